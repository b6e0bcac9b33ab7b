/**
 * A small client of a running relay's HTTP API for the CLI: bearer token on `/admin/*`, JSON in
 * and out, a timeout on every call, and one AdminApiError per failure — status 0 when the relay
 * cannot be reached (the CLI exits 3), the HTTP status and the server's `error` otherwise.
 */
import { AdminApiError } from '../errors.js'

/** Longest wait for one call to the relay. */
export const DEFAULT_ADMIN_REQUEST_TIMEOUT_MS = 30_000

/** A client of one relay's HTTP API. */
export class AdminClient {
  private readonly base: string
  private readonly token?: string
  private readonly timeoutMs: number

  constructor (baseUrl: string, token?: string, timeoutMs = DEFAULT_ADMIN_REQUEST_TIMEOUT_MS) {
    this.base = baseUrl.replace(/\/+$/, '')
    this.token = token
    this.timeoutMs = timeoutMs
  }

  /** Sends a request and returns the response when its status is 2xx. */
  async request (method: string, path: string, init: { body?: unknown, accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' }
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (err: unknown) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
      throw new AdminApiError(0, `cannot reach the relay at ${this.base} (${cause})`)
    }
    if (res.ok) return res
    let detail = res.statusText
    try {
      const body = await res.json() as { error?: string, message?: string, issues?: unknown }
      detail = [body.error, body.message, body.issues === undefined ? undefined : JSON.stringify(body.issues)].filter((s) => s !== undefined).join(': ')
    } catch {}
    throw new AdminApiError(res.status, `${method} ${path} → ${res.status} ${detail}`)
  }

  /** Sends a request and parses its JSON answer. */
  async json<T = Record<string, unknown>> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, { body })
    return await res.json() as T
  }

  /** Fetches raw bytes (DAG-CBOR, CAR). */
  async bytes (path: string, accept: string): Promise<Uint8Array> {
    const res = await this.request('GET', path, { accept })
    return new Uint8Array(await res.arrayBuffer())
  }
}
