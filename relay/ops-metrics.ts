/**
 * Operational gauges the alert rules in deploy/prometheus/alerts.yml need and the domain metrics
 * (metrics.ts) do not carry: free space of the data directory's file system, the reservation cap
 * of the policy in force, transfer records waiting for a log commit, and the result of a periodic
 * ledger invariant check (`Ledger.check()`). Registered on the relay's own registry; the gauges
 * read their value at scrape time, the check runs on a timer.
 *
 * **Guarantees**: a scrape never fails because a source failed (the gauge keeps its last value);
 * checks never overlap; after `stop()` resolves no check is running and none is scheduled; counting
 * pending records reads at most `maxPendingCount` keys per scrape.
 */
import { statfs } from 'node:fs/promises'
import { Counter, Gauge } from 'prom-client'
import { PREFIX } from '../accounting/ledger-keys.js'
import { pendingRange } from '../accounting/transfer-log-keys.js'
import { METRIC_PREFIX } from './metrics.js'
import type { Registry } from 'prom-client'
import type { LedgerCheckReport } from '../accounting/ledger-check.js'
import type { Logger } from './logger.js'

/**
 * Time between ledger invariant checks: 6 h. Our choice: a check reads every ledger key into
 * memory and holds the ledger's writer while it runs (accounting/ledger-check.ts), so four a day
 * bounds that cost while a violation still alerts the same day. 0 = never check.
 */
export const DEFAULT_LEDGER_CHECK_INTERVAL_MS = 6 * 60 * 60_000

/** Delay of the first check after start: 1 min, so it runs after start-up traffic (peers reconnecting) settles. */
export const DEFAULT_LEDGER_CHECK_FIRST_DELAY_MS = 60_000

/**
 * Most pending-record keys counted per scrape: the transfer log's queue bound
 * (DEFAULT_MAX_QUEUED_RECORDS, 4096) times 4; past it the gauge reports the bound, which
 * already means the log is far behind.
 */
export const DEFAULT_MAX_PENDING_COUNT = 16_384

/** Outcomes of a ledger check. */
export const LEDGER_CHECK_OUTCOMES = ['ok', 'violated', 'error'] as const

/** The transfer log's LevelDB, read for its pending records (a ClassicLevel with `view` encodings). */
export interface PendingRecordSource {
  iterator: (options: { gte: Uint8Array, lt: Uint8Array, limit: number }) => AsyncIterable<[Uint8Array, Uint8Array]>
}

/** What the operational metrics read. */
export interface OpsMetricsComponents {
  registry: Registry
  /** The data directory; its file system is measured. */
  dataDir: string
  db: PendingRecordSource
  ledger: { check: () => Promise<LedgerCheckReport> }
  /** `circuit.maxReservations` of the policy in force. */
  reservationLimit: () => Promise<number>
  logger?: Logger
}

/** Timing of the operational metrics. */
export interface OpsMetricsInit {
  /** 0 = never. @default DEFAULT_LEDGER_CHECK_INTERVAL_MS */
  ledgerCheckIntervalMs?: number
  /** @default DEFAULT_LEDGER_CHECK_FIRST_DELAY_MS */
  ledgerCheckFirstDelayMs?: number
  /** @default DEFAULT_MAX_PENDING_COUNT */
  maxPendingCount?: number
  /** @default Date.now */
  now?: () => number
}

/** The running operational metrics: the ledger check timer and its last result. */
export class OpsMetrics {
  private readonly components: OpsMetricsComponents
  private readonly intervalMs: number
  private readonly firstDelayMs: number
  private readonly now: () => number
  private readonly violations: Gauge
  private readonly lastRun: Gauge
  private readonly lastDuration: Gauge
  private readonly checks: Counter<'outcome'>
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false

  constructor (components: OpsMetricsComponents, init: OpsMetricsInit = {}) {
    this.components = components
    this.intervalMs = init.ledgerCheckIntervalMs ?? DEFAULT_LEDGER_CHECK_INTERVAL_MS
    this.firstDelayMs = init.ledgerCheckFirstDelayMs ?? DEFAULT_LEDGER_CHECK_FIRST_DELAY_MS
    this.now = init.now ?? Date.now
    const registers = [components.registry]
    const maxPending = init.maxPendingCount ?? DEFAULT_MAX_PENDING_COUNT
    const log = components.logger
    const live = (): boolean => !this.stopped
    // a source that fails (a closed database, a vanished mount) leaves the gauge at its last value
    const sampled = (name: string, help: string, read: () => Promise<number>): Gauge => new Gauge({
      name: METRIC_PREFIX + name,
      help,
      registers,
      async collect () {
        if (!live()) return
        try {
          this.set(await read())
        } catch (err: unknown) {
          log?.debug({ err, metric: name }, 'metric source failed')
        }
      }
    })
    sampled('data_dir_available_bytes', 'Bytes available to the relay on the data directory\'s file system',
      async () => { const s = await statfs(components.dataDir); return s.bavail * s.bsize })
    sampled('data_dir_size_bytes', 'Size of the data directory\'s file system in bytes',
      async () => { const s = await statfs(components.dataDir); return s.blocks * s.bsize })
    sampled('reservation_limit', 'Circuit relay reservations the policy in force allows (circuit.maxReservations)', components.reservationLimit)
    sampled('log_pending_records', 'Charged transfer records waiting for a transfer log commit', async () => {
      let count = 0
      for await (const [key] of components.db.iterator({ ...pendingRange(), limit: maxPending })) {
        if (key[0] === PREFIX.TRANSFER_PENDING) count++
      }
      return count
    })
    this.violations = new Gauge({ name: METRIC_PREFIX + 'ledger_check_violations', help: 'Ledger invariant violations found by the last check', registers })
    this.lastRun = new Gauge({ name: METRIC_PREFIX + 'ledger_check_last_run_timestamp_seconds', help: 'When the last ledger check finished (Unix time); 0 before the first', registers })
    this.lastDuration = new Gauge({ name: METRIC_PREFIX + 'ledger_check_last_duration_seconds', help: 'How long the last ledger check took', registers })
    this.checks = new Counter({ name: METRIC_PREFIX + 'ledger_checks_total', help: 'Ledger invariant checks, by outcome', labelNames: ['outcome'] as const, registers })
    for (const outcome of LEDGER_CHECK_OUTCOMES) this.checks.inc({ outcome }, 0)
  }

  /** Schedules the periodic ledger check (none when the interval is 0). Idempotent. */
  start (): void {
    if (this.stopped || this.timer !== undefined || this.intervalMs === 0) return
    this.schedule(this.firstDelayMs)
  }

  /** Cancels the next check and waits for a running one (the ledger must outlive it). Idempotent. */
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  /** Runs one ledger check now (or joins the running one) and records its result. */
  async checkLedger (): Promise<void> {
    this.running ??= this.runCheck().finally(() => { this.running = undefined })
    await this.running
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.checkLedger().finally(() => { this.schedule(this.intervalMs) })
    }, delayMs)
    // a pending check never keeps the process alive
    this.timer.unref()
  }

  private async runCheck (): Promise<void> {
    const startedMs = this.now()
    const log = this.components.logger
    try {
      const report = await this.components.ledger.check()
      this.violations.set(report.violations.length)
      this.checks.inc({ outcome: report.ok ? 'ok' : 'violated' })
      if (!report.ok) log?.error({ violations: report.violations.slice(0, 20), count: report.violations.length }, 'ledger check found violations')
    } catch (err: unknown) {
      this.checks.inc({ outcome: 'error' })
      log?.error({ err }, 'ledger check failed to run')
    }
    const endedMs = this.now()
    this.lastRun.set(endedMs / 1000)
    this.lastDuration.set(Math.max(0, endedMs - startedMs) / 1000)
  }
}

/** Registers the operational metrics on `components.registry` and starts the ledger check timer. */
export function startOpsMetrics (components: OpsMetricsComponents, init: OpsMetricsInit = {}): OpsMetrics {
  const ops = new OpsMetrics(components, init)
  ops.start()
  return ops
}
