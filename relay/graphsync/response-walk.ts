/**
 * Serves one graphsync request: walks the selector over the block store and sends every block
 * the walk loads, in traversal order, with `p`/`d`/`m` metadata, in messages of at most
 * `maxBlockBytesPerMessage` of blocks (interim status 14), then the final 20 (all present),
 * 21 (some missing) or 34 (root missing). Like go-graphsync, a missing block ends only its branch,
 * and a link already sent (or in do-not-send-cids, or within do-not-send-first-blocks) is
 * declared `d` without its block. Each message waits for room in the peer's queue (backpressure).
 */
import { decodeBlock } from '../../protocol/block.js'
import { blockPrefix } from '../../protocol/graphsync/block-prefix.js'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import { frameMessage } from './wire.js'
import type { GraphsyncBlock, GraphsyncLinkMetadatum, GraphsyncStatusCode } from '../../protocol/graphsync/message.js'
import type { Selector } from '../../protocol/selector/types.js'
import type { PeerMessageQueue } from './message-queue.js'
import type { GraphsyncBlockStore } from './types.js'
import type { CID } from 'multiformats/cid'

/**
 * Metadata entries per message when few blocks are sent (`d`/`m` runs): ~40 bytes each, so a
 * message of them stays near 160 KiB, far below the 4 MiB message limit.
 */
const MAX_METADATA_PER_MESSAGE = 4096

/** Everything one response needs; the extension sets may grow while it runs (updates). */
export interface ResponseWalkContext {
  readonly requestId: Uint8Array
  readonly root: CID
  readonly selector: Selector
  readonly store: GraphsyncBlockStore
  readonly queue: PeerMessageQueue
  /** CIDs the requester holds (do-not-send-cids, extended by updates). */
  readonly doNotSend: Set<string>
  /** Blocks to withhold first, in traversal order (do-not-send-first-blocks). */
  readonly skipFirstBlocks: number
  /** CIDs already sent: this request's own, or shared by a dedup-by-key group. */
  readonly sent: Set<string>
  readonly maxBlockBytesPerMessage: number
  readonly maxMessageBytes: number
  readonly maxNodesVisited: number
  /** Aborted when the requester cancels or the peer goes away. */
  readonly signal: AbortSignal
  /** Called before and after waiting for room in the queue. */
  readonly onBlocked: (blocked: boolean) => void
  /** Called with each block sent. */
  readonly onBlockSent: (sizeBytes: number) => void
}

/** How a response ended: a final status was sent, or it stopped without one (cancel, send failure). */
export type ResponseOutcome = { readonly status: GraphsyncStatusCode } | { readonly stopped: Error }

/** Thrown from `load` to end a walk that was cancelled. */
class Stop extends Error {}
/** Thrown from `load` when the root block is not in the store. */
class RootMissing extends Error {}

/** Runs one response to its end; never throws. */
export async function runResponseWalk (ctx: ResponseWalkContext): Promise<ResponseOutcome> {
  let metadata: GraphsyncLinkMetadatum[] = []
  let blocks: GraphsyncBlock[] = []
  let blockBytes = 0
  let present = 0
  let missing = false
  let first = true
  // blocks in the message being built: marked sent for a dedup group only once it is queued, so a
  // sibling request never declares `d` for a block whose `p` could reach the requester after it
  let building = new Set<string>()

  const send = async (status: GraphsyncStatusCode): Promise<void> => {
    const frame = frameMessage({
      responses: [{ requestId: ctx.requestId, status, metadata, extensions: new Map() }],
      blocks
    }, ctx.maxMessageBytes)
    metadata = []
    blocks = []
    blockBytes = 0
    const queued = building
    building = new Set()
    const wait = ctx.queue.wouldWait(frame.byteLength)
    if (wait) ctx.onBlocked(true)
    try {
      await ctx.queue.enqueue(frame)
      for (const key of queued) ctx.sent.add(key)
    } finally {
      if (wait) ctx.onBlocked(false)
    }
  }

  const load = async (cid: CID): Promise<unknown> => {
    if (ctx.signal.aborted) throw new Stop()
    const isRoot = first
    first = false
    const bytes = await ctx.store.get(cid)
    if (bytes === undefined) {
      metadata.push({ link: cid, action: 'missing' })
      // go-graphsync: failing to load the very first block is "content not found"
      if (isRoot) throw new RootMissing()
      missing = true
      // an IPLD null has no links: the branch ends here, as it does in the requester's walk
      return null
    }
    const key = cid.toString()
    const withheld = present++ < ctx.skipFirstBlocks || ctx.doNotSend.has(key) || ctx.sent.has(key) || building.has(key)
    if (withheld) {
      metadata.push({ link: cid, action: 'duplicateNotSent' })
    } else {
      if (blocks.length > 0 && blockBytes + bytes.byteLength > ctx.maxBlockBytesPerMessage) await send(GraphsyncStatus.PartialResponse)
      metadata.push({ link: cid, action: 'present' })
      blocks.push({ prefix: blockPrefix(cid), data: bytes })
      blockBytes += bytes.byteLength
      building.add(key)
      ctx.onBlockSent(bytes.byteLength)
    }
    const node = decodeBlock(cid, bytes)
    if (blockBytes >= ctx.maxBlockBytesPerMessage || metadata.length >= MAX_METADATA_PER_MESSAGE) await send(GraphsyncStatus.PartialResponse)
    if (ctx.signal.aborted) throw new Stop()
    return node
  }

  try {
    try {
      for await (const visit of walkSelector(ctx.root, ctx.selector, { load, maxNodesVisited: ctx.maxNodesVisited })) {
        void visit
        if (ctx.signal.aborted) throw new Stop()
      }
    } catch (err: unknown) {
      if (err instanceof Stop) return { stopped: err }
      if (err instanceof RootMissing) {
        await send(GraphsyncStatus.RequestFailedContentNotFound)
        return { status: GraphsyncStatus.RequestFailedContentNotFound }
      }
      // an undecodable stored block or a walk over its node budget: go answers "failed unknown"
      await send(GraphsyncStatus.RequestFailedUnknown)
      return { status: GraphsyncStatus.RequestFailedUnknown }
    }
    const status = missing ? GraphsyncStatus.RequestCompletedPartial : GraphsyncStatus.RequestCompletedFull
    await send(status)
    return { status }
  } catch (err: unknown) {
    return { stopped: err instanceof Error ? err : new Error(String(err)) }
  }
}
