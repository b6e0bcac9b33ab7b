/**
 * One outgoing graphsync request. The requester runs the same selector walk as the responder:
 * each time the walk needs a link it takes the responder's next metadata entry, which must name
 * that very CID — a sent block (already hashed to it) is delivered, `d` resolves from blocks seen
 * earlier or the local store, `m` ends the branch. Anything else fails the request with a typed
 * error and a cancel. Lifecycle decisions come from the pure `requestTransition`; this class
 * executes them: timers, abort, the bounded queues between the network and the consumer.
 */
import { decodeBlock, verifyBlock } from '../../protocol/block.js'
import { BlockTooLargeError, UnexpectedBlockError } from '../../protocol/errors.js'
import { initialRequestState, requestTransition } from '../../protocol/graphsync/request-state.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import { GraphsyncTimeoutError } from './errors.js'
import type { DedupCache } from './dedup-cache.js'
import type { ReceivedEntry } from './wire.js'
import type { GraphsyncBlockStore, GraphsyncRequestRun, GraphsyncResult } from './types.js'
import type { VerifiedBlock } from '../../protocol/block.js'
import type { GraphsyncStatusCode } from '../../protocol/graphsync/message.js'
import type { RequestEvent, RequestLimits, RequestState } from '../../protocol/graphsync/request-state.js'
import type { Selector } from '../../protocol/selector/types.js'
import type { WalkLimits } from '../../protocol/selector/limits.js'
import type { CID } from 'multiformats/cid'

/** Verified blocks waiting for the consumer before the walk pauses. */
const MAX_OUTPUT_BLOCKS = 8

/** Everything a run needs, resolved by the service. */
export interface RequestRunConfig {
  id: Uint8Array
  root: CID
  selector: Selector
  limits: RequestLimits
  maxBlockBytes: number
  maxPendingBytes: number
  timeoutMs: number
  idleTimeoutMs: number
  signal?: AbortSignal
  localStore?: GraphsyncBlockStore
  seen: DedupCache
  walkLimits?: WalkLimits
  /** Sends a cancel to the responder (best effort, never throws). */
  sendCancel: () => void
  /** Called once when the run ends. */
  onDone: () => void
}

/** Thrown from `load` to end the walk of a request that already ended. */
class StopWalk extends Error {}

/** One request: fed by the service with received entries, drained by its consumer. */
export class RequestRun implements GraphsyncRequestRun {
  readonly id: Uint8Array
  readonly result: Promise<GraphsyncResult>
  private readonly config: RequestRunConfig
  private state: RequestState
  private readonly entries: ReceivedEntry[] = []
  private readonly output: VerifiedBlock[] = []
  private pendingBytes = 0
  private waiters: Array<() => void> = []
  private resolveResult!: (result: GraphsyncResult) => void
  private rejectResult!: (err: Error) => void
  private readonly requestTimer: ReturnType<typeof setTimeout>
  private idleTimer: ReturnType<typeof setTimeout> | undefined

  constructor (config: RequestRunConfig) {
    this.config = config
    this.id = config.id
    this.state = initialRequestState(config.limits)
    this.result = new Promise<GraphsyncResult>((resolve, reject) => {
      this.resolveResult = resolve
      this.rejectResult = reject
    })
    // the consumer may only iterate; the error then reaches it there, never as an unhandled rejection
    this.result.catch(() => {})
    this.requestTimer = setTimeout(() => { this.fail(new GraphsyncTimeoutError('request', config.timeoutMs)) }, config.timeoutMs)
    config.signal?.addEventListener('abort', this.onAbort)
    if (config.signal?.aborted === true) this.onAbort()
    else void this.walk()
  }

  /** Whether the run has ended. */
  get done (): boolean {
    return this.state.phase === 'terminal'
  }

  /** Adds one response's entries; resolves when the run has room for more (backpressure). */
  async accept (status: GraphsyncStatusCode, entries: readonly ReceivedEntry[]): Promise<void> {
    if (this.done) return
    const large = entries.find((entry) => (entry.bytes?.byteLength ?? 0) > this.config.maxBlockBytes)
    if (large !== undefined) {
      this.fail(new BlockTooLargeError(large.bytes?.byteLength ?? 0, this.config.maxBlockBytes))
      return
    }
    if (this.state.walkDone && entries.length > 0) {
      this.fail(new UnexpectedBlockError(entries[0].link.toString(), null, 'not_in_walk'))
      return
    }
    for (const entry of entries) {
      this.entries.push(entry)
      if (entry.bytes !== undefined) {
        this.pendingBytes += entry.bytes.byteLength
        this.config.seen.add(entry.link, entry.bytes)
      }
    }
    if (entries.length > 0) this.disarmIdle()
    this.step({ type: 'response', status, metadataCount: entries.length })
    if (this.state.walkDone && !this.done) this.armIdle()
    this.notify()
    while (!this.done && this.pendingBytes > this.config.maxPendingBytes) await this.changed()
  }

  /** Ends the request with `error` (a cancel is sent if the responder is still working). */
  fail (error: Error): void {
    this.step({ type: 'fail', error })
  }

  /** Cancels the request at the consumer's wish. */
  cancel (): void {
    this.fail(new DOMException('graphsync request cancelled', 'AbortError'))
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<VerifiedBlock, void, undefined> {
    try {
      while (true) {
        const block = this.output.shift()
        if (block !== undefined) {
          this.pendingBytes -= block.bytes.byteLength
          this.notify()
          yield block
          continue
        }
        if (this.state.error !== undefined) throw this.state.error
        if (this.done) return
        await this.changed()
      }
    } finally {
      // a consumer that stops early cancels the request
      if (!this.done) this.cancel()
    }
  }

  private readonly onAbort = (): void => {
    const reason: unknown = this.config.signal?.reason
    this.fail(reason instanceof Error ? reason : new DOMException('graphsync request aborted', 'AbortError'))
  }

  private async walk (): Promise<void> {
    try {
      for await (const visit of walkSelector(this.config.root, this.config.selector, { ...this.config.walkLimits, load: this.load })) {
        void visit
        if (this.done) return
      }
      if (this.done) return
      if (this.entries.length > 0) throw new UnexpectedBlockError(this.entries[0].link.toString(), null, 'not_in_walk')
      this.step({ type: 'walk_done' })
      if (!this.done) this.armIdle()
    } catch (err: unknown) {
      if (err instanceof StopWalk) return
      this.fail(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private readonly load = async (cid: CID): Promise<unknown> => {
    let entry = this.entries.shift()
    while (entry === undefined) {
      if (this.done) throw new StopWalk()
      if (this.state.remoteStatus !== undefined) {
        this.step({ type: 'exhausted', cid: cid.toString() })
        throw new StopWalk()
      }
      this.armIdle()
      await this.changed()
      entry = this.entries.shift()
    }
    if (this.done) throw new StopWalk()
    this.pendingBytes -= entry.bytes?.byteLength ?? 0
    this.notify()
    const linkKey = entry.link.toString()
    if (linkKey !== cid.toString()) throw new UnexpectedBlockError(linkKey, cid.toString(), 'out_of_order')
    switch (entry.action) {
      case 'present': return this.deliver(cid, entry.bytes as Uint8Array)
      case 'duplicateNotSent': return this.duplicate(cid)
      case 'missing':
        this.step({ type: 'missing' })
        // an IPLD null has no links: the branch ends, as it did in the responder's walk
        return null
      case 'duplicateDagSkipped':
        return null
    }
  }

  private async deliver (cid: CID, bytes: Uint8Array): Promise<unknown> {
    // the bytes were found by the CID computed from them: decoding checks codec and size limits
    const node = decodeBlock(cid, bytes, { maxBlockBytes: this.config.maxBlockBytes })
    if (!this.step({ type: 'block', sizeBytes: bytes.byteLength })) throw new StopWalk()
    this.output.push({ cid, bytes })
    this.pendingBytes += bytes.byteLength
    this.notify()
    while (!this.done && this.output.length >= MAX_OUTPUT_BLOCKS) await this.changed()
    return node
  }

  private async duplicate (cid: CID): Promise<unknown> {
    const known = this.config.seen.get(cid, this.config.maxBlockBytes)
    if (known !== undefined) return known
    const local = await this.config.localStore?.get(cid)
    if (local === undefined) throw new UnexpectedBlockError(cid.toString(), cid.toString(), 'unknown_duplicate')
    verifyBlock(cid, local, { maxBlockBytes: this.config.maxBlockBytes })
    return decodeBlock(cid, local, { maxBlockBytes: this.config.maxBlockBytes })
  }

  /** Runs the pure transition and executes its actions; returns whether a block may be delivered. */
  private step (event: RequestEvent): boolean {
    const { state, actions } = requestTransition(this.state, event)
    this.state = state
    let deliver = false
    for (const action of actions) {
      switch (action.type) {
        case 'deliver': deliver = true; break
        case 'send_cancel': this.config.sendCancel(); break
        case 'finish':
          this.end()
          this.resolveResult({ status: action.status, blocks: state.blocks, bytes: state.bytes, missing: state.missing })
          break
        case 'fail':
          this.end()
          this.rejectResult(action.error)
          break
      }
    }
    return deliver
  }

  private end (): void {
    clearTimeout(this.requestTimer)
    this.disarmIdle()
    this.config.signal?.removeEventListener('abort', this.onAbort)
    this.entries.length = 0
    this.config.onDone()
    this.notify()
  }

  private armIdle (): void {
    if (this.idleTimer !== undefined || this.done) return
    this.idleTimer = setTimeout(() => { this.fail(new GraphsyncTimeoutError('idle', this.config.idleTimeoutMs)) }, this.config.idleTimeoutMs)
  }

  private disarmIdle (): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  private async changed (): Promise<void> {
    await new Promise<void>((resolve) => { this.waiters.push(resolve) })
  }

  private notify (): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}
