/**
 * The scheduler's view of one route (relay, target): its policy, spend, syncs in flight, failure
 * streak and report; and the rates of finished units that decide which in-flight unit is slow.
 */
import { BUSY_BACKOFF_MS, MIN_RATE_SAMPLES, MIN_SLOW_CHECK_MS } from './constants.js'
import { SpendAccount } from './spend.js'
import type { FetchedPolicy } from '../client/policy-client.js'
import type { DownloadRoute, RouteReport } from './types.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A route while the download runs. */
export class RouteState {
  readonly id: number
  readonly route: DownloadRoute
  /** The relay's peer id (or its whole address when it has none): per-relay limits group by it. */
  readonly relayKey: string
  readonly spend: SpendAccount
  readonly report: RouteReport
  policy: FetchedPolicy | undefined
  inFlight = 0
  consecutiveFailures = 0
  restUntilMs = 0

  constructor (id: number, route: DownloadRoute, cap: bigint | undefined) {
    this.id = id
    this.route = route
    this.relayKey = relayKeyOf(route.relay)
    this.spend = new SpendAccount(cap)
    this.report = {
      relay: route.relay.toString(),
      peer: route.peer.toString(),
      pieces: 0,
      bytes: 0,
      charge: 0n,
      unreceiptedHolds: 0n,
      receipts: [],
      syncs: 0,
      failures: 0,
      slowReissues: 0,
      dropped: false
    }
  }

  /** Whether the route can take work now (alive, has its policy, not resting after `busy`). */
  usable (nowMs: number): boolean {
    return !this.report.dropped && this.policy !== undefined && this.restUntilMs <= nowMs
  }

  /** Records a success: the failure streak ends. */
  succeeded (): void {
    this.consecutiveFailures = 0
  }

  /** Records a failure; drops the route at `maxConsecutive` in a row. A `busy` relay also rests it. */
  failed (err: unknown, maxConsecutive: number, nowMs: number): void {
    this.report.failures++
    if (err instanceof Error && (err as { reason?: string }).reason === 'busy') this.restUntilMs = nowMs + BUSY_BACKOFF_MS
    if (++this.consecutiveFailures >= maxConsecutive) this.report.dropped = true
  }

  /** Mirrors the spend account into the report. */
  syncReport (): void {
    this.report.charge = this.spend.charged
    this.report.unreceiptedHolds = this.spend.unreceipted
  }
}

/** The relay's peer id from its multiaddr, or the whole address. */
export function relayKeyOf (relay: Multiaddr): string {
  const p2p = relay.getComponents().findLast((c) => c.name === 'p2p')
  return p2p?.value ?? relay.toString()
}

/** Rates (bytes/s) of finished units; a unit in flight is slow when far behind their median. */
export class RateBook {
  private readonly rates: number[] = []
  private readonly slowFactor: number

  constructor (slowFactor: number) {
    this.slowFactor = slowFactor
  }

  add (bytes: number, ms: number): void {
    if (bytes > 0) this.rates.push(bytes * 1000 / Math.max(1, ms))
  }

  /**
   * Whether a unit of `bytes` running for `elapsedMs` is slower than median ÷ slowFactor, i.e. has
   * run longer than slowFactor × what the median rate needs for it (never before enough samples).
   */
  isSlow (bytes: number, elapsedMs: number): boolean {
    if (this.rates.length < MIN_RATE_SAMPLES || elapsedMs < MIN_SLOW_CHECK_MS) return false
    const sorted = [...this.rates].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    return elapsedMs > this.slowFactor * (bytes * 1000 / median)
  }
}
