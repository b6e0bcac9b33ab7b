/**
 * Interop helper: runs test/interop/dcdn-peer/peer.mjs (@dcdn/graphsync 0.2.5 on libp2p 0.40, an
 * independent graphsync v2 implementation with its own package.json and lockfile) as a child
 * process, serving the blocks of a CAR file we write, and speaks its JSON-lines protocol.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { CID } from 'multiformats/cid'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { writeCarFile } from '../helpers/car.js'

/** The peer's folder, relative to the repository root (`npm test` runs there). */
export const DCDN_PEER_DIR = join('test', 'interop', 'dcdn-peer')

/** The command that installs the peer's own dependencies (CI runs it in .ci/run). */
export const DCDN_PEER_INSTALL = 'npm ci --prefix test/interop/dcdn-peer'

/** Longest wait for the child to load its CAR and listen. */
const DEFAULT_READY_TIMEOUT_MS = 15_000

/** Most lines kept for the failure message when the child misbehaves. */
const MAX_STDERR_LINES = 50

/** Event types that mean something went wrong in the peer itself. */
const STRAY_EVENTS = new Set(['unhandledRejection', 'uncaughtException', 'badCommand', 'notJson'])

/** One line the peer printed on stdout. */
export interface DcdnLine {
  ready?: { peerId: string, multiaddrs: string[] }
  block?: { id: string, cid: string, sha256: string, size: number }
  response?: { id: string, status: number, metadata: number }
  done?: { id: string, root: string, blocks: number, error?: string }
  event?: { type: string, root?: string, peer?: string, error?: string }
}

/** What one fetch of the dcdn requester produced. */
export interface DcdnFetch {
  blocks: Array<{ cid: string, sha256: string, size: number }>
  statuses: number[]
  error?: string
}

/** Parses one stdout line; anything that is not JSON becomes a `notJson` event. */
function parseLine (text: string): DcdnLine {
  try {
    return JSON.parse(text) as DcdnLine
  } catch {
    return { event: { type: 'notJson', error: text } }
  }
}

/** Fails with the install command when the peer's node_modules are missing. */
export function assertDcdnPeerInstalled (): void {
  if (!existsSync(join(DCDN_PEER_DIR, 'node_modules', '@dcdn', 'graphsync', 'package.json'))) {
    throw new Error(`the interop peer's dependencies are not installed: run \`${DCDN_PEER_INSTALL}\` from the repository root`)
  }
}

/** Writes `blocks` as a CARv1 file with `roots`. */
export async function writeCar (path: string, roots: CID[], blocks: Iterable<[string, Uint8Array]>): Promise<void> {
  await writeCarFile(path, roots, [...blocks].map(([key, bytes]) => ({ cid: CID.parse(key), bytes })))
}

/** Hex sha256 of `bytes`, as the peer reports it. */
export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The running dcdn peer. */
export class DcdnPeer {
  readonly peerId: string
  readonly multiaddrs: string[]
  /** Every event line, in order (service events, stray errors). */
  readonly events: NonNullable<DcdnLine['event']>[] = []
  private readonly child: ChildProcessWithoutNullStreams
  private readonly fetches = new Map<string, { result: DcdnFetch, resolve: (result: DcdnFetch) => void }>()
  private nextId = 0

  private constructor (child: ChildProcessWithoutNullStreams, ready: NonNullable<DcdnLine['ready']>) {
    this.child = child
    this.peerId = ready.peerId
    this.multiaddrs = ready.multiaddrs
    // a peer that dies ends every fetch still waiting, so no test hangs on it
    child.once('exit', (code, signal) => {
      for (const [id, fetch] of this.fetches) {
        this.fetches.delete(id)
        fetch.resolve({ ...fetch.result, error: `dcdn peer exited (${code ?? signal})` })
      }
    })
  }

  /** Spawns the peer serving `carPath` and waits until it listens. */
  static async start (carPath: string, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<DcdnPeer> {
    assertDcdnPeerInstalled()
    const child = spawn(process.execPath, [join(DCDN_PEER_DIR, 'peer.mjs'), carPath], { stdio: 'pipe' })
    const stderr: string[] = []
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line)
      if (stderr.length > MAX_STDERR_LINES) stderr.shift()
    })
    const lines = createInterface({ input: child.stdout })
    let peer: DcdnPeer | undefined
    return new Promise<DcdnPeer>((resolve, reject) => {
      const timer = setTimeout(() => { fail(new Error(`dcdn peer not ready after ${timeoutMs} ms`)) }, timeoutMs)
      const fail = (err: Error): void => {
        clearTimeout(timer)
        child.kill()
        reject(new Error(`${err.message}; its stderr:\n${stderr.join('\n')}`))
      }
      child.once('exit', (code) => { if (peer === undefined) fail(new Error(`dcdn peer exited with ${code}`)) })
      lines.on('line', (text) => {
        const line = parseLine(text)
        if (peer === undefined && line.event !== undefined) stderr.push(text)
        if (line.ready !== undefined && peer === undefined) {
          clearTimeout(timer)
          peer = new DcdnPeer(child, line.ready)
          resolve(peer)
        } else {
          peer?.onLine(line)
        }
      })
    })
  }

  /** Errors the peer reported outside any fetch: unhandled rejections, exceptions, stray output. */
  strayErrors (): NonNullable<DcdnLine['event']>[] {
    return this.events.filter(({ type }) => STRAY_EVENTS.has(type))
  }

  /** Has the peer fetch `root` with `selector` from `from` (a multiaddr with /p2p/). */
  async fetch (from: string, root: CID, selector: unknown, timeoutMs: number): Promise<DcdnFetch> {
    const id = String(this.nextId++)
    const done = new Promise<DcdnFetch>((resolve) => {
      this.fetches.set(id, { result: { blocks: [], statuses: [] }, resolve })
    })
    this.child.stdin.write(JSON.stringify({ fetch: { id, peer: from, root: root.toString(), selector, timeoutMs } }) + '\n')
    return done
  }

  /** Asks the peer to quit, then kills it if it is still there after `graceMs`. */
  async stop (graceMs = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => { this.child.once('exit', () => { resolve() }) })
    this.child.stdin.end(JSON.stringify({ quit: true }) + '\n')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, graceMs)
    await exited
    clearTimeout(timer)
  }

  private onLine (line: DcdnLine): void {
    if (line.event !== undefined) this.events.push(line.event)
    const id = line.block?.id ?? line.response?.id ?? line.done?.id
    const fetch = id === undefined ? undefined : this.fetches.get(id)
    if (fetch === undefined) return
    if (line.block !== undefined) fetch.result.blocks.push({ cid: line.block.cid, sha256: line.block.sha256, size: line.block.size })
    if (line.response !== undefined) fetch.result.statuses.push(line.response.status)
    if (line.done !== undefined) {
      if (line.done.error !== undefined) fetch.result.error = line.done.error
      this.fetches.delete(id as string)
      fetch.resolve(fetch.result)
    }
  }
}
