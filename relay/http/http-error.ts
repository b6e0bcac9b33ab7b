/**
 * Errors → HTTP answers. Every failure becomes a small JSON body `{error, message?, issues?}` with
 * a status chosen by error class; nothing of a stack trace or an unexpected error's message ever
 * reaches a client (those are logged with their stack and answered `500 internal_error`).
 */
import { ZodError } from 'zod'
import { LedgerRejectedError } from '../../accounting/errors.js'
import { logRejection } from '../logger.js'
import type { ErrorRequestHandler } from 'express'
import type { Logger } from '../logger.js'
import type { HttpTracer } from '../metrics.js'
import type { HttpRejectionReason } from '../metrics-labels.js'

/** One zod issue as a client sees it. */
export interface IssueJson { path: string, message: string }

/** An answer a route or middleware chose: status, machine-readable `error`, optional human message. */
export class HttpError extends Error {
  static name = 'HttpError'
  readonly status: number
  readonly error: string
  readonly issues?: IssueJson[]
  readonly headers: Record<string, string>
  /** Set when this is a refusal the HTTP layer counts and logs (auth, host, rate limit). */
  readonly reason?: HttpRejectionReason

  constructor (status: number, error: string, message = error, options: { issues?: IssueJson[], headers?: Record<string, string>, reason?: HttpRejectionReason } = {}) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.error = error
    this.issues = options.issues
    this.headers = options.headers ?? {}
    this.reason = options.reason
  }
}

/** The issues of a ZodError as `{path, message}` pairs, paths dotted. */
export function zodIssues (err: ZodError): IssueJson[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

/** Typed errors of the layers below, by `.name`: the status and `error` they answer with. */
const BY_NAME: ReadonlyMap<string, [number, string]> = new Map([
  ['InvalidTauAddressError', [400, 'invalid_address']],
  ['MalformedMessageError', [422, 'malformed_document']],
  ['InvalidSignatureError', [422, 'bad_signature']],
  ['InvalidPeerBindingError', [422, 'bad_binding']],
  ['StatementTooLargeError', [422, 'statement_too_large']],
  ['LedgerBusyError', [503, 'busy']]
])

const REJECTION_BY_TYPE: Readonly<Record<string, HttpRejectionReason>> = {
  'entity.too.large': 'body_too_large',
  'entity.parse.failed': 'malformed_json'
}

interface Answer { status: number, body: Record<string, unknown>, headers: Record<string, string>, reason?: HttpRejectionReason }

function answer (err: unknown): Answer | undefined {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: err.error, message: err.message, ...(err.issues === undefined ? {} : { issues: err.issues }) }, headers: err.headers, reason: err.reason }
  }
  if (err instanceof ZodError) return { status: 400, body: { error: 'invalid_request', issues: zodIssues(err) }, headers: {}, reason: 'invalid_request' }
  if (err instanceof LedgerRejectedError) return { status: 422, body: { error: err.result, message: err.message }, headers: {} }
  if (!(err instanceof Error)) return undefined
  const byName = BY_NAME.get(err.name)
  if (byName !== undefined) return { status: byName[0], body: { error: byName[1], message: err.message }, headers: {} }
  // body-parser errors carry `type` and an `expose`d 4xx status; their messages are safe
  const e = err as Error & { type?: unknown, status?: unknown, expose?: unknown }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    const reason = typeof e.type === 'string' ? REJECTION_BY_TYPE[e.type] : undefined
    return { status: e.status, body: { error: reason ?? 'bad_request', message: err.message }, headers: {}, reason }
  }
  return undefined
}

/** The last middleware: maps errors to JSON answers, logs each rejection once and every 5xx with its stack. */
export function errorHandler (logger: Logger, tracer?: HttpTracer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = answer(err)
    if (known === undefined || known.status >= 500) {
      logger.error({ err, method: req.method, path: req.path }, 'request failed')
    } else if (known.reason !== undefined) {
      tracer?.httpRejected(known.reason)
      // a flood of 429s must not become a flood of log lines
      logRejection(logger, known.reason, { method: req.method, path: req.path, ip: req.ip }, known.reason === 'rate_limited' ? 'debug' : 'info')
    }
    if (res.headersSent) {
      res.destroy()
      return
    }
    const { status, body, headers } = known ?? { status: 500, body: { error: 'internal_error' }, headers: {} }
    res.status(status).set(headers).json(body)
  }
}
