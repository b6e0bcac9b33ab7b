/**
 * The relay's Prometheus metrics (STYLE.md 5.7, DESIGN.md §7): `createRelayMetrics(registry)`
 * registers every `taurelay_` metric on the relay's own registry (the one libp2p's
 * `prometheusMetrics({ registry, preserveExistingMetrics: true })` shares) and returns a typed
 * object that implements the tracers of accounting/ and the relay's own domain verbs. Labels come
 * only from closed unions (protocol/status.ts, metrics-labels.ts): never a peer, address or CID.
 * Current-state gauges read their value in `collect()`, from a source the relay sets or, until
 * then, from the open/close verbs.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { REJECTION_REASON_TABLE, SYNC_OUTCOME_TABLE, statusMetricLabel } from '../protocol/status.js'
import { HTTP_REJECTION_REASONS, HTTP_ROUTES, HTTP_STATUS_CLASSES, RESERVATION_OUTCOMES, RESERVATION_REJECTION_REASONS, httpStatusClass } from './metrics-labels.js'
import type { Registry } from 'prom-client'
import type { RejectionReason, SyncOutcome } from '../protocol/status.js'
import type { HoldOutcome, LedgerTracer, TransferLogTracer } from '../accounting/tracer.js'
import type { HttpRejectionReason, HttpRoute, ReservationOutcome, ReservationRejectionReason } from './metrics-labels.js'

/** Prefix of every metric the relay itself defines. */
export const METRIC_PREFIX = 'taurelay_'

/** Buckets of latencies in seconds: 1 ms … 60 s (a first block over a relay takes ms to seconds). */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
/** Buckets of whole syncs in seconds: 10 ms … 1 h (a 4 GiB sync at ~100 MB/s takes ~40 s; slow links far longer). */
export const SYNC_DURATION_BUCKETS_SECONDS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600]

/** Events of the relay-sync service (relay/relay-sync-service.ts). */
export interface SyncTracer {
  /** A sync ended (after at least its admission) with `outcome`, taking `durationMs`. */
  syncEnded: (outcome: SyncOutcome, durationMs: number) => void
  /** A sync was rejected before any block; counted as outcome `rejected` and by reason. */
  syncRejected: (reason: RejectionReason) => void
  /** One verified block of `bytes` was forwarded to a requester. */
  blockRelayed: (bytes: number) => void
  /** The first block of a target arrived `latencyMs` after the graphsync request was sent. */
  targetFirstBlock: (latencyMs: number) => void
}

/** Events of circuit relay admission (relay/admission.ts). */
export interface CircuitTracer {
  reservationRequested: (outcome: ReservationOutcome) => void
  reservationRejected: (reason: ReservationRejectionReason) => void
  reservationOpened: () => void
  reservationClosed: () => void
  circuitOpened: () => void
  circuitClosed: () => void
  /** Bytes relayed through circuits (both directions). */
  circuitBytes: (bytes: number) => void
}

/** Events of the HTTP server. */
export interface HttpTracer {
  httpRequest: (route: HttpRoute, status: number) => void
  httpRejected: (reason: HttpRejectionReason) => void
}

/** Functions reporting current state, read at every scrape. */
export interface StateSources {
  openHolds?: () => number
  reservations?: () => number
  circuits?: () => number
}

/** Build identity for `taurelay_build_info`. */
export interface RelayMetricsInit {
  /** Package version. @default 'unknown' */
  version?: string
  /** Source commit. @default 'unknown' */
  commit?: string
}

/** Every metric of the relay, plus the tracer verbs that update them. */
export interface RelayMetrics extends LedgerTracer, TransferLogTracer, SyncTracer, CircuitTracer, HttpTracer {
  /** Points the current-state gauges at the relay's own counts. */
  setStateSources: (sources: StateSources) => void
}

/** Registers the relay's metrics on `registry` and returns them with their tracer verbs. */
export function createRelayMetrics (registry: Registry, init: RelayMetricsInit = {}): RelayMetrics {
  const registers = [registry]
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter({ name: METRIC_PREFIX + name, help, labelNames, registers })
  const histogram = (name: string, help: string, buckets: number[]): Histogram =>
    new Histogram({ name: METRIC_PREFIX + name, help, buckets, registers })
  const sources: StateSources = {}
  const counts = { openHolds: 0, reservations: 0, circuits: 0 }
  const stateGauge = (name: string, help: string, key: keyof typeof counts): Gauge =>
    new Gauge({
      name: METRIC_PREFIX + name,
      help,
      registers,
      collect () { this.set(sources[key]?.() ?? Math.max(0, counts[key])) }
    })

  const buildInfo = new Gauge({ name: METRIC_PREFIX + 'build_info', help: 'Build of this relay; always 1', labelNames: ['version', 'commit'] as const, registers })
  buildInfo.set({ version: init.version ?? 'unknown', commit: init.commit ?? 'unknown' }, 1)

  const syncs = counter('syncs_total', 'Syncs by how they ended', ['outcome'] as const)
  const rejections = counter('rejections_total', 'Syncs rejected before any block, by reason', ['reason'] as const)
  const relayedBlocks = counter('relayed_blocks_total', 'Verified blocks forwarded to requesters')
  const relayedBytes = counter('relayed_bytes_total', 'Bytes of verified blocks forwarded to requesters')
  const chargedBytes = counter('charged_bytes_total', 'Relayed bytes charged to a balance')
  const freeBytes = counter('free_bytes_total', 'Relayed bytes covered by free quota')
  const chargedNanoTau = counter('charged_nano_tau_total', 'Charges settled, in nanoTAU')
  const holdsClosed = counter('holds_closed_total', 'Ledger holds closed, by outcome', ['outcome'] as const)
  const settlementsNanoTau = counter('settlement_credits_nano_tau_total', 'Settlement imports credited, in nanoTAU')
  const seedingNanoTau = counter('seeding_credits_nano_tau_total', 'Seeding credit earned by targets, in nanoTAU')
  stateGauge('open_holds', 'Ledger holds currently open', 'openHolds')
  const logCommits = counter('log_commits_total', 'Transfer log group commits, by outcome', ['outcome'] as const)
  const logRecords = counter('log_committed_records_total', 'Transfer records committed to the log')
  const logCommitDuration = histogram('log_commit_duration_seconds', 'Duration of a transfer log group commit', LATENCY_BUCKETS_SECONDS)
  stateGauge('reservations', 'Circuit relay reservations currently held', 'reservations')
  const reservationRequests = counter('reservation_requests_total', 'Circuit relay reservation requests, by outcome', ['outcome'] as const)
  const reservationRejections = counter('reservation_rejections_total', 'Circuit relay reservations refused, by reason', ['reason'] as const)
  stateGauge('circuits', 'Circuit relay circuits currently open', 'circuits')
  const circuitBytes = counter('circuit_bytes_total', 'Bytes relayed through circuits, both directions')
  const firstBlock = histogram('target_first_block_seconds', 'Time from graphsync request to the first block from the target', LATENCY_BUCKETS_SECONDS)
  const syncDuration = histogram('sync_duration_seconds', 'Duration of a sync from admission to result', SYNC_DURATION_BUCKETS_SECONDS)
  const httpRequests = counter('http_requests_total', 'HTTP requests answered, by route and status class', ['route', 'status_class'] as const)
  const httpRejections = counter('http_rejections_total', 'HTTP requests refused before their route, by reason', ['reason'] as const)

  // every closed label value starts at zero, so a series exists before its first event
  for (const { metricLabel } of SYNC_OUTCOME_TABLE) syncs.inc({ outcome: metricLabel }, 0)
  for (const { metricLabel } of REJECTION_REASON_TABLE) rejections.inc({ reason: metricLabel }, 0)
  for (const outcome of ['settled', 'released']) holdsClosed.inc({ outcome }, 0)
  for (const outcome of ['committed', 'failed']) logCommits.inc({ outcome }, 0)
  for (const outcome of RESERVATION_OUTCOMES) reservationRequests.inc({ outcome }, 0)
  for (const reason of RESERVATION_REJECTION_REASONS) reservationRejections.inc({ reason }, 0)
  for (const route of HTTP_ROUTES) {
    for (const statusClass of HTTP_STATUS_CLASSES) httpRequests.inc({ route, status_class: statusClass }, 0)
  }
  for (const reason of HTTP_REJECTION_REASONS) httpRejections.inc({ reason }, 0)

  // counters take numbers: a nanoTAU amount above 2^53 loses precision only in the metric, never in the ledger
  const amount = (value: bigint): number => Number(value)

  return {
    setStateSources (next) { Object.assign(sources, next) },
    holdOpened () { counts.openHolds++ },
    settled (outcome: HoldOutcome, chargeNanoTau, free, billable) {
      counts.openHolds--
      holdsClosed.inc({ outcome })
      if (outcome !== 'settled') return
      chargedNanoTau.inc(amount(chargeNanoTau))
      freeBytes.inc(free)
      chargedBytes.inc(billable)
    },
    settlementImported (amountNanoTau) { settlementsNanoTau.inc(amount(amountNanoTau)) },
    seedingCredited (amountNanoTau) { seedingNanoTau.inc(amount(amountNanoTau)) },
    logCommitted (records, durationMs) {
      logCommits.inc({ outcome: 'committed' })
      logRecords.inc(records)
      logCommitDuration.observe(durationMs / 1000)
    },
    logCommitFailed () { logCommits.inc({ outcome: 'failed' }) },
    syncEnded (outcome, durationMs) {
      syncs.inc({ outcome: statusMetricLabel(outcome) })
      syncDuration.observe(durationMs / 1000)
    },
    syncRejected (reason) {
      syncs.inc({ outcome: statusMetricLabel('rejected') })
      rejections.inc({ reason: statusMetricLabel(reason) })
    },
    blockRelayed (bytes) {
      relayedBlocks.inc()
      relayedBytes.inc(bytes)
    },
    targetFirstBlock (latencyMs) { firstBlock.observe(latencyMs / 1000) },
    reservationRequested (outcome) { reservationRequests.inc({ outcome }) },
    reservationRejected (reason) { reservationRejections.inc({ reason }) },
    reservationOpened () { counts.reservations++ },
    reservationClosed () { counts.reservations-- },
    circuitOpened () { counts.circuits++ },
    circuitClosed () { counts.circuits-- },
    circuitBytes (bytes) { circuitBytes.inc(bytes) },
    httpRequest (route, status) { httpRequests.inc({ route, status_class: httpStatusClass(status) }) },
    httpRejected (reason) { httpRejections.inc({ reason }) }
  }
}
