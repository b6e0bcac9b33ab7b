/**
 * `RelaySyncService`: the relay's `/tau/graphrelaysync/1.0.0` handler (DESIGN.md §4.1). Per stream:
 * read and admit the request (admission.ts, in the design's order), take a concurrency slot, hold
 * money, reach the target (target.ts), pump verified blocks (forward.ts), then settle or release
 * (settle.ts) and send the result. Every rejection is one result frame, one metric and one log
 * line, and changes nothing in the ledger. Every wait has a time limit; stop() aborts running syncs.
 */
import { ChargeMeter, seedingCreditFor } from '../../accounting/charge.js'
import { RELAY_SYNC_PROTOCOL } from '../../protocol/constants.js'
import { logRejection } from '../logger.js'
import { admitRequest, hex } from './admission.js'
import {
  DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_FUTURE_STATE_TIMEOUT_MS, DEFAULT_MAX_INBOUND_SYNC_STREAMS, DEFAULT_MAX_OUTBOUND_SYNC_STREAMS,
  DEFAULT_REQUEST_READ_TIMEOUT_MS, DEFAULT_REQUESTER_SEND_TIMEOUT_MS, DEFAULT_RESULT_SEND_TIMEOUT_MS, DEFAULT_SYNC_TIMEOUT_MS,
  MAX_SYNCS_PER_TARGET
} from './constants.js'
import { SyncReplayedError } from './errors.js'
import { forwardBlocks, outcomeOfError } from './forward.js'
import { RequesterStream } from './requester-stream.js'
import { finishSync } from './settle.js'
import { SyncSlots } from './slots.js'
import { connectTarget, resolveRoot } from './target.js'
import type { AdmittedRequest } from './admission.js'
import type { ForwardOutcome, GraphsyncRequester } from './forward.js'
import type { RelaySyncInit, RelaySyncServiceComponents } from './types.js'
import type { Hold } from '../../accounting/ledger-holds.js'
import { rejectionReasonForError } from '../../protocol/status.js'
import type { RejectionReason } from '../../protocol/status.js'
import type { Logger, Startable, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The relay-sync protocol handler of a relay node. */
export class RelaySyncService implements Startable {
  private readonly components: RelaySyncServiceComponents
  private readonly init: Required<RelaySyncInit>
  private readonly log: Logger
  private readonly now: () => number
  private readonly slots = new SyncSlots()
  private readonly inFlight = new Set<string>()
  private readonly running = new Set<Promise<void>>()
  private stopController = new AbortController()
  private graphsync: GraphsyncRequester | undefined
  private started = false

  constructor (components: RelaySyncServiceComponents, init: RelaySyncInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('tau-relay:relay-sync')
    this.now = components.now ?? Date.now
    this.init = {
      requestReadTimeoutMs: init.requestReadTimeoutMs ?? DEFAULT_REQUEST_READ_TIMEOUT_MS,
      requesterSendTimeoutMs: init.requesterSendTimeoutMs ?? DEFAULT_REQUESTER_SEND_TIMEOUT_MS,
      resultSendTimeoutMs: init.resultSendTimeoutMs ?? DEFAULT_RESULT_SEND_TIMEOUT_MS,
      dialTimeoutMs: init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      futureStateTimeoutMs: init.futureStateTimeoutMs ?? DEFAULT_FUTURE_STATE_TIMEOUT_MS,
      syncTimeoutMs: init.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS,
      maxInboundStreams: init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_SYNC_STREAMS,
      maxOutboundStreams: init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_SYNC_STREAMS
    }
  }

  readonly [Symbol.toStringTag] = 'tau-relay/relay-sync'

  async start (): Promise<void> {
    if (this.started) return
    this.graphsync = this.components.graphsync
    this.stopController = new AbortController()
    await this.components.registrar.handle(RELAY_SYNC_PROTOCOL, (stream) => { this.track(this.serve(stream)) }, {
      maxInboundStreams: this.init.maxInboundStreams,
      maxOutboundStreams: this.init.maxOutboundStreams
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.registrar.unhandle(RELAY_SYNC_PROTOCOL)
    this.stopController.abort(new Error('relay-sync service stopped'))
    await Promise.allSettled([...this.running])
  }

  /** Syncs admitted and not yet finished. */
  get activeSyncs (): number {
    return this.slots.size
  }

  private track (task: Promise<void>): void {
    this.running.add(task)
    void task.finally(() => { this.running.delete(task) })
  }

  private async serve (stream: Stream): Promise<void> {
    const io = new RequesterStream(stream, {
      readTimeoutMs: this.init.requestReadTimeoutMs,
      sendTimeoutMs: this.init.requesterSendTimeoutMs,
      resultTimeoutMs: this.init.resultSendTimeoutMs,
      maxBlockBytes: Number.MAX_SAFE_INTEGER
    })
    const startMs = this.now()
    const startedAt = performance.now()
    let admitted: AdmittedRequest | undefined
    let release: (() => void) | undefined
    let hold: Hold | undefined
    let bytes: Uint8Array
    try {
      bytes = await io.readRequest()
    } catch (err: unknown) {
      // a frame over the limit is too large; anything else (timeout, reset, garbage) is malformed
      const reason = rejectionReasonForError(err) === 'too_large' ? 'too_large' : 'malformed'
      await this.reject(io, reason, err)
      return
    }
    try {
      admitted = await admitRequest(bytes, { nowMs: startMs, policies: this.components.policyStore, inFlight: this.inFlight, db: this.components.db })
      // admission awaited the policy store after its own in-flight check: claim the id with no await
      // between check and add, or identical copies of one request all pass together
      if (this.inFlight.has(admitted.idHex)) throw new SyncReplayedError(admitted.idHex)
      const limits = admitted.current.doc.limits
      release = this.slots.acquire(hex(admitted.request.payer), admitted.target.toString(), {
        global: limits.maxConcurrentSyncs, perPayer: limits.maxConcurrentSyncsPerPayer, perTarget: Math.min(limits.maxConcurrentSyncsPerTarget, MAX_SYNCS_PER_TARGET)
      })
      this.inFlight.add(admitted.idHex)
      hold = await this.components.ledger.openHold({
        requestId: admitted.request.id,
        payer: admitted.request.payer,
        maxChargeNanoTau: admitted.request.maxCharge,
        maxFreeBytes: this.maxBytes(admitted),
        nowMs: startMs
      })
    } catch (err: unknown) {
      if (release !== undefined && admitted !== undefined) this.inFlight.delete(admitted.idHex)
      release?.()
      await this.reject(io, rejectionReasonForError(err), err)
      return
    }
    try {
      await this.runSync(io, admitted, hold, startMs, startedAt)
    } finally {
      this.inFlight.delete(admitted.idHex)
      release()
    }
  }

  private maxBytes (admitted: AdmittedRequest): number {
    return Math.min(admitted.request.maxBytes, admitted.policy.doc.limits.maxBytesPerSync)
  }

  private async runSync (io: RequesterStream, admitted: AdmittedRequest, hold: Hold, startMs: number, startedAt: number): Promise<void> {
    const { request, target, policy } = admitted
    const signal = AbortSignal.any([io.gone, AbortSignal.timeout(this.init.syncTimeoutMs), this.stopController.signal])
    const cm = this.components.connectionManager
    try {
      await connectTarget(cm, target, request.addrs, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)]) })
    } catch (err: unknown) {
      await this.releaseQuietly(hold)
      await this.reject(io, 'target_unreachable', err)
      return
    }
    const meter = new ChargeMeter({ perBlockNanoTau: policy.doc.pricing.perBlock, perMiBNanoTau: policy.doc.pricing.perMiB }, hold.heldFreeBytes)
    let root: CID | null = request.root
    let outcome: ForwardOutcome
    try {
      root = await resolveRoot(cm, target, request.root, request.chain, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.futureStateTimeoutMs)]) })
      outcome = await forwardBlocks({
        graphsync: this.requireGraphsync(),
        target,
        root,
        selector: request.sel,
        maxBlocks: Math.min(request.maxBlocks, policy.doc.limits.maxBlocksPerSync),
        maxBytes: this.maxBytes(admitted),
        maxBlockBytes: policy.doc.limits.maxBlockBytes,
        maxSelectorDepth: policy.doc.limits.maxSelectorDepth,
        holdNanoTau: hold.heldNanoTau,
        meter,
        send: async (cid, data) => { await io.sendBlock(cid, data) },
        signal,
        timeoutMs: this.init.syncTimeoutMs,
        tracer: this.components.metrics
      })
    } catch (err: unknown) {
      // only the future-state step throws here: "not active on this chain" means the target lacks the root
      const status = err instanceof Error && err.name === 'FutureStateNotActiveError' ? 'not_found' : outcomeOfError(io.gone.aborted ? io.gone.reason : err)
      outcome = { status, blocks: 0, bytes: 0, error: err instanceof Error ? err : undefined }
    }
    if (outcome.error !== undefined) this.log('sync %s ended %s - %e', admitted.idHex, outcome.status, outcome.error)
    let result
    try {
      result = await finishSync(this.components.ledger, this.components.transferLog, {
        hold,
        status: outcome.status,
        peer: request.peer,
        root,
        selectorCid: admitted.selectorCid,
        blocks: outcome.blocks,
        bytes: outcome.bytes,
        charge: meter.totals(),
        startMs,
        endMs: this.now(),
        seedingCredit: await this.seedingCredit(request.peer, outcome, policy.doc.seedingCredit.perMiB)
      })
    } catch (err: unknown) {
      // a failed settle charged nothing (one batch); a failed commit is finished by the log's restart sweep
      this.log.error('sync %s could not be settled - %e', admitted.idHex, err)
      this.components.eventLogger?.error({ err, requestId: admitted.idHex }, 'sync settle failed')
      await this.releaseQuietly(hold)
      io.abort(err instanceof Error ? err : new Error(String(err)))
      this.components.metrics?.syncEnded(outcome.status, performance.now() - startedAt)
      return
    }
    this.components.metrics?.syncEnded(result.status, performance.now() - startedAt)
    this.components.eventLogger?.info({ requestId: admitted.idHex, status: result.status, blocks: result.blocks, bytes: result.bytes, charge: result.charge.toString() }, 'sync ended')
    if (outcome.status === 'requester_gone') io.abort(new Error('requester gone'))
    else await io.sendResult(result)
  }

  /**
   * What the target earns for the verified bytes it served (DESIGN.md §5.1): nothing when it sent a
   * bad block (`target_misbehaved`), has no valid binding, or the pinned policy pays nothing. A
   * failed lookup costs the seeder its credit, never the sync.
   */
  private async seedingCredit (peer: Uint8Array, outcome: ForwardOutcome, perMiB: bigint): Promise<{ address: Uint8Array, amountNanoTau: bigint } | undefined> {
    const lookup = this.components.seederAddress
    if (lookup === undefined || perMiB === 0n || outcome.bytes === 0 || outcome.status === 'target_misbehaved') return undefined
    try {
      const address = await lookup(peer, this.now())
      return address === undefined ? undefined : { address, amountNanoTau: seedingCreditFor(outcome.bytes, perMiB) }
    } catch (err: unknown) {
      this.log('seeder lookup failed - %e', err)
      return undefined
    }
  }

  private requireGraphsync (): GraphsyncRequester {
    if (this.graphsync === undefined) throw new Error('relay-sync needs a graphsync service')
    return this.graphsync
  }

  private async releaseQuietly (hold: Hold): Promise<void> {
    try {
      await this.components.ledger.releaseHold(hold.requestId, this.now())
    } catch (err: unknown) {
      this.log('release of hold %s failed - %e', hex(hold.requestId), err)
    }
  }

  private async reject (io: RequesterStream, reason: RejectionReason, err: unknown): Promise<void> {
    this.components.metrics?.syncRejected(reason)
    this.log('sync rejected: %s - %e', reason, err)
    if (this.components.eventLogger !== undefined) logRejection(this.components.eventLogger, reason, { protocol: RELAY_SYNC_PROTOCOL })
    await io.sendResult({ status: 'rejected', reason, root: null, blocks: 0, bytes: 0, freeBytes: 0, charge: 0n, balanceAfter: 0n })
  }
}
