/**
 * The requester's own check of a relay-sync stream (DESIGN.md §4.1): it runs the same selector
 * walk as the relay and the target, so every block frame must hash to its CID **and** be the block
 * the walk needs next; a CID the walk needs again is resolved from blocks already received (the
 * relay forwards each CID once). A lying relay is caught at the first bad frame. Blocks are handed
 * to the consumer as the walk verifies them; the walk waits while the consumer does (backpressure).
 */
import { decodeBlock, verifyBlock } from '../../protocol/block.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import { DedupCache } from '../graphsync/dedup-cache.js'
import { RelayMisbehavedError, SyncStreamError } from '../relay-sync/errors.js'
import type { VerifiedBlock } from '../../protocol/block.js'
import type { SyncFrame } from '../../protocol/relay-sync/codec.js'
import type { SyncResult } from '../../protocol/relay-sync/messages.js'
import type { Selector } from '../../protocol/selector/types.js'
import type { CID } from 'multiformats/cid'

/** Non-raw blocks kept to resolve repeated links: 64 MiB, graphsync's dedup budget. */
export const DEFAULT_CLIENT_DEDUP_BYTES = 64 * 1024 * 1024

/** Settings of one verifier. */
export interface SyncVerifierInit {
  /** The requested root, or null when the relay resolves it (then the first block is the root). */
  root: CID | null
  selector: Selector
  maxBlockBytes: number
  maxNodesVisited?: number
}

/** Thrown inside the walk when the relay's result frame arrives before the walk finished. */
class StopWalk extends Error {}

/** Verifies the frames of one sync; iterate it for blocks, then read `summary`. */
export class SyncVerifier implements AsyncIterable<VerifiedBlock> {
  private readonly frames: AsyncIterator<SyncFrame>
  private readonly init: SyncVerifierInit
  private readonly seen = new DedupCache(DEFAULT_CLIENT_DEDUP_BYTES)
  private readonly out: VerifiedBlock[] = []
  private pending: SyncFrame | undefined
  /** The result frame, once read. */
  result: SyncResult | undefined
  /** The root the walk started from. */
  root: CID | null
  blocks = 0
  bytes = 0
  /** Whether the walk reached its end (every block the selector reaches arrived). */
  walkFinished = false
  /** Sizes of received blocks in order (for the price bound); blocks only, a few bytes each. */
  readonly sizes: number[] = []

  constructor (frames: AsyncIterator<SyncFrame>, init: SyncVerifierInit) {
    this.frames = frames
    this.init = init
    this.root = init.root
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<VerifiedBlock, void, undefined> {
    const first = await this.nextFrame()
    if (first.type === 'result') {
      this.result = first.result
      return
    }
    this.root ??= first.cid
    this.pending = first
    try {
      const walk = walkSelector(this.root, this.init.selector, { load: this.load, maxNodesVisited: this.init.maxNodesVisited })
      for await (const visit of walk) {
        void visit
        while (this.out.length > 0) yield this.out.shift() as VerifiedBlock
      }
      this.walkFinished = true
    } catch (err: unknown) {
      if (!(err instanceof StopWalk)) throw err
    }
    while (this.out.length > 0) yield this.out.shift() as VerifiedBlock
    if (this.result === undefined) {
      const last = await this.nextFrame()
      if (last.type === 'block') throw new RelayMisbehavedError('not_in_walk', `relay sent block ${last.cid.toString()} after the walk ended`)
      this.result = last.result
    }
  }

  private readonly load = async (cid: CID): Promise<unknown> => {
    const known = this.seen.get(cid, this.init.maxBlockBytes)
    if (known !== undefined) return known
    const frame = this.pending ?? await this.nextFrame()
    this.pending = undefined
    if (frame.type === 'result') {
      this.result = frame.result
      throw new StopWalk()
    }
    const sent = frame.cid.toString()
    if (sent !== cid.toString()) {
      throw new RelayMisbehavedError('out_of_order', `relay sent block ${sent} where the walk needs ${cid.toString()}`)
    }
    let node: unknown
    try {
      verifyBlock(cid, frame.bytes, { maxBlockBytes: this.init.maxBlockBytes })
      node = decodeBlock(cid, frame.bytes, { maxBlockBytes: this.init.maxBlockBytes })
    } catch (err: unknown) {
      throw new RelayMisbehavedError('bad_block', `relay sent a bad block ${cid.toString()}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    this.seen.add(cid, frame.bytes)
    this.out.push({ cid, bytes: frame.bytes })
    this.blocks++
    this.bytes += frame.bytes.byteLength
    this.sizes.push(frame.bytes.byteLength)
    return node
  }

  private async nextFrame (): Promise<SyncFrame> {
    const next = await this.frames.next()
    if (next.done === true) throw new SyncStreamError()
    return next.value
  }
}
