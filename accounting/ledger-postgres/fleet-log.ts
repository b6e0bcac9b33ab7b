/**
 * "Charged iff logged" across two databases (DESIGN-NOTES.md): the charge lives in the shared
 * PostgreSQL ledger, the record in the node's own LevelDB transfer log, and no transaction spans
 * both. So the charge row carries the full pending record (and the node's log count at that
 * moment, a floor for the record's future seq); the node then writes the pending record to its
 * LevelDB, group-commits it, and writes the seq back. `settleExternally` is that path (taken by
 * `TransferLog.settle` when its ledger is external); `FleetLogSync` is the repair: on start and
 * every `reconcileIntervalMs` it finds this node's charge rows without a seq, looks for each in
 * the log from its floor, writes back the seqs it finds, and logs the rest — so a crash (or a
 * lost connection) anywhere between the PostgreSQL commit and the write-back loses nothing and
 * logs nothing twice. It also releases holds left open by operations that lost their connection.
 */
import { hex } from '../ledger-state.js'
import { withStorageErrors } from '../storage-error.js'
import { encodePendingRecord, pendingKey } from '../transfer-log-keys.js'
import { newestHead, readLogRecords } from './log-reader.js'
import type { ExternalLogLedger } from '../ledger-api.js'
import type { LedgerDatabase } from '../ledger-state.js'
import type { RequestOutcome, SettleArgs } from '../ledger-holds.js'
import type { LogReceipt } from '../transfer-log.js'
import type { UnsequencedRecord } from '../transfer-log-keys.js'
import type { StoredLogHead } from '../transfer-log-proof.js'

/** Reconcile period: a charge whose node lost its database connection mid-settle is logged within it. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5_000

/** What the external settle path uses of the transfer log. */
export interface ExternalSettleLog {
  head: () => Promise<StoredLogHead | undefined>
  commit: (requestId: Uint8Array) => Promise<LogReceipt>
}

/** Charges through an external ledger, then logs the record in this node's LevelDB and writes back its seq. */
export async function settleExternally (log: ExternalSettleLog, db: LedgerDatabase, ledger: ExternalLogLedger, args: SettleArgs, record: UnsequencedRecord): Promise<{ outcome: RequestOutcome, receipt: LogReceipt }> {
  const bytes = encodePendingRecord(record)
  const floor = (await log.head())?.head.count ?? 0
  const { outcome, charged } = await ledger.settleLogged(args, bytes, floor)
  let seq: number | undefined
  try {
    // a repeat of a stored settle writes nothing: its record is pending or committed already
    if (charged) await withStorageErrors(async () => db.batch([{ type: 'put', key: pendingKey(args.requestId), value: bytes }], { sync: false }))
    const receipt = await log.commit(args.requestId)
    seq = receipt.record.seq
    return { outcome, receipt }
  } finally {
    ledger.markLogged(args.requestId, seq)
  }
}

/** What the reconcile uses of the fleet ledger (PostgresLedger). */
export interface FleetLedger {
  releaseUncertainHolds: (nowMs?: number) => Promise<number>
  unloggedCharges: () => Promise<Array<{ requestId: Uint8Array, record: Uint8Array, logFloor: number }>>
  recordSeqs: (entries: ReadonlyArray<{ requestId: Uint8Array, seq: number }>) => Promise<void>
}

/** What one reconcile round did. */
export interface ReconcileReport {
  /** Requests with a possibly open hold that were resolved. */
  resolvedHolds: number
  /** Charges found in the log whose seq was written back. */
  found: number
  /** Charges that were not in the log and were logged now. */
  logged: number
}

/** What the reconcile uses. */
export interface FleetLogSyncComponents {
  ledger: FleetLedger
  log: Pick<ExternalSettleLog, 'commit'>
  /** The node's LevelDB (its transfer log). */
  db: LedgerDatabase
}

/** Reconcile settings. */
export interface FleetLogSyncInit {
  /** @default DEFAULT_RECONCILE_INTERVAL_MS */
  reconcileIntervalMs?: number
  /** Told about a failed background round (the next round tries again). */
  onError?: (err: unknown) => void
  /** Told about a round that changed something. */
  onReconciled?: (report: ReconcileReport) => void
}

/** Keeps this node's log and its charge rows in step: on start, periodically, and on stop. */
export class FleetLogSync {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<ReconcileReport> | undefined
  private started = false

  constructor (private readonly components: FleetLogSyncComponents, private readonly init: FleetLogSyncInit = {}) {}

  /** Runs one round (its failure fails the start), then one every interval. Idempotent. */
  async start (): Promise<ReconcileReport> {
    const report = await this.reconcile()
    if (!this.started) {
      this.started = true
      this.schedule()
    }
    return report
  }

  /** Stops the rounds and runs a last one (unless `finalRound` is false), best effort. Idempotent. */
  async stop (options: { finalRound?: boolean } = {}): Promise<void> {
    this.started = false
    clearTimeout(this.timer)
    if (options.finalRound === false) {
      await this.running?.catch(() => {})
      return
    }
    await this.reconcile().catch((err: unknown) => { this.init.onError?.(err) })
  }

  private schedule (): void {
    this.timer = setTimeout(() => {
      this.reconcile()
        .then((report) => { if (report.resolvedHolds + report.found + report.logged > 0) this.init.onReconciled?.(report) })
        .catch((err: unknown) => { this.init.onError?.(err) })
        .finally(() => { if (this.started) this.schedule() })
    }, this.init.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS)
    this.timer.unref()
  }

  /** One round; rounds never overlap (a call during a round waits for it and runs its own). */
  async reconcile (): Promise<ReconcileReport> {
    while (this.running !== undefined) await this.running.catch(() => {})
    this.running = this.round().finally(() => { this.running = undefined })
    return this.running
  }

  private async round (): Promise<ReconcileReport> {
    const { ledger, log, db } = this.components
    const resolvedHolds = await ledger.releaseUncertainHolds()
    const charges = await ledger.unloggedCharges()
    if (charges.length === 0) return { resolvedHolds, found: 0, logged: 0 }
    // every charge listed ended its live path before this read: its record, if logged, is below count
    const head = await newestHead(db)
    const floor = Math.min(...charges.map((c) => c.logFloor))
    const inLog = new Map<string, number>()
    if (head !== undefined) for (const r of await readLogRecords(db, head, floor)) inLog.set(hex(r.requestId), r.seq)
    const seqs: Array<{ requestId: Uint8Array, seq: number }> = []
    const missing: typeof charges = []
    for (const c of charges) {
      const seq = inLog.get(hex(c.requestId))
      if (seq !== undefined) seqs.push({ requestId: c.requestId, seq })
      else missing.push(c)
    }
    for (const c of missing) {
      // pending already (a failed group commit) or not written at all (a crash right after the charge)
      if (await db.get(pendingKey(c.requestId)) === undefined) await db.batch([{ type: 'put', key: pendingKey(c.requestId), value: c.record }], { sync: false })
    }
    const receipts = await Promise.all(missing.map(async (c) => log.commit(c.requestId)))
    receipts.forEach((r, i) => { seqs.push({ requestId: missing[i].requestId, seq: r.record.seq }) })
    await ledger.recordSeqs(seqs)
    return { resolvedHolds, found: seqs.length - missing.length, logged: missing.length }
  }
}
