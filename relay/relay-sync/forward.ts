/**
 * The block pump of one sync (DESIGN.md §4.1 steps 4–5): reads the verified block stream of our
 * graphsync request to the target (hash and walk order already checked there), prices each block
 * against the hold, and forwards it to the requester before asking for the next, so at most the
 * graphsync run's small output queue plus one block are held per sync. The first block that would
 * pass maxBlocks, maxBytes or the hold ends the sync with `limit` (the graphsync request is
 * cancelled when the loop exits). A CID already forwarded in this sync is neither forwarded nor
 * charged again: the requester's walk resolves repeats from what it received.
 */
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import type { ChargeMeter } from '../../accounting/charge.js'
import type { GraphsyncRequestOptions, GraphsyncRequestRun } from '../graphsync/index.js'
import type { SyncTracer } from '../metrics.js'
import type { SyncOutcome } from '../../protocol/status.js'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The graphsync service method the pump uses. */
export interface GraphsyncRequester {
  request: (peer: PeerId, root: CID, selector: unknown, options?: GraphsyncRequestOptions) => GraphsyncRequestRun
}

/** Everything one pump needs. */
export interface ForwardInput {
  graphsync: GraphsyncRequester
  target: PeerId
  root: CID
  /** The selector node as the requester sent it. */
  selector: unknown
  maxBlocks: number
  maxBytes: number
  maxBlockBytes: number
  maxSelectorDepth: number
  holdNanoTau: bigint
  meter: ChargeMeter
  /** Forwards one block; throws RequesterGoneError when the requester is gone. */
  send: (cid: CID, bytes: Uint8Array) => Promise<void>
  /** Aborts the graphsync request (requester gone, relay stopping, whole-sync timeout). */
  signal: AbortSignal
  timeoutMs: number
  tracer?: SyncTracer
}

/** How the pump ended. */
export interface ForwardOutcome {
  status: Exclude<SyncOutcome, 'rejected'>
  blocks: number
  bytes: number
  /** What ended it, when it was an error. */
  error?: Error
}

const MISBEHAVED = new Set([
  'UnexpectedBlockError', 'BlockHashMismatchError', 'IncompleteResponseError', 'BlockTooLargeError', 'MalformedMessageError',
  'GraphsyncMessageTooLargeError', 'GraphsyncLimitError', 'UnsupportedCodecError', 'UnsupportedHashError', 'MalformedHamtNodeError'
])

/** The outcome an error from the target side (or the requester's stream) ends a sync with. */
export function outcomeOfError (err: unknown): ForwardOutcome['status'] {
  if (!(err instanceof Error)) return 'target_failed'
  if (err.name === 'RequesterGoneError') return 'requester_gone'
  if (MISBEHAVED.has(err.name)) return 'target_misbehaved'
  if (err.name === 'BlockNotFoundError') return 'not_found'
  // timeouts, resets, disconnects, a stopped service: the target failed us
  return 'target_failed'
}

/** The outcome of a graphsync final status once the walk finished. */
function outcomeOfStatus (status: number): ForwardOutcome['status'] {
  if (status === GraphsyncStatus.RequestCompletedFull) return 'completed'
  // 21: the target lacked some blocks; 34: it lacks the root
  if (status === GraphsyncStatus.RequestCompletedPartial || status === GraphsyncStatus.RequestFailedContentNotFound) return 'not_found'
  return 'target_failed'
}

/** Runs the pump to its end; never throws. */
export async function forwardBlocks (input: ForwardInput): Promise<ForwardOutcome> {
  const startedMs = performance.now()
  let blocks = 0
  let bytes = 0
  const forwarded = new Set<string>()
  let run: GraphsyncRequestRun
  try {
    run = input.graphsync.request(input.target, input.root, input.selector, {
      signal: input.signal,
      timeoutMs: input.timeoutMs,
      maxBlockBytes: input.maxBlockBytes,
      walkLimits: { maxRecursionDepth: input.maxSelectorDepth }
    })
  } catch (err: unknown) {
    return { status: outcomeOfError(err), blocks, bytes, error: err instanceof Error ? err : undefined }
  }
  try {
    for await (const block of run) {
      if (blocks === 0) input.tracer?.targetFirstBlock(performance.now() - startedMs)
      const key = block.cid.toString()
      if (forwarded.has(key)) continue
      const size = block.bytes.byteLength
      if (blocks + 1 > input.maxBlocks || bytes + size > input.maxBytes || input.meter.wouldExceed(size, input.holdNanoTau)) {
        // leaving the loop cancels the graphsync request
        return { status: 'limit', blocks, bytes }
      }
      await input.send(block.cid, block.bytes)
      input.meter.add(size)
      forwarded.add(key)
      blocks++
      bytes += size
      input.tracer?.blockRelayed(size)
    }
    const result = await run.result
    return { status: outcomeOfStatus(result.status), blocks, bytes }
  } catch (err: unknown) {
    // the requester going away aborts the run with its reason; prefer that over the run's echo
    const reason: unknown = input.signal.aborted ? input.signal.reason : err
    return { status: outcomeOfError(reason), blocks, bytes, error: reason instanceof Error ? reason : undefined }
  }
}
