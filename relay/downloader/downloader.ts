/**
 * `downloadAttachment`: a TAU attachment from several routes (relay, target peer) in parallel,
 * paid through each relay with RelaySyncClient. It reads the piece index first (HAMT nodes only,
 * piece-index.ts), then splits the missing pieces into units (units.ts), each ONE sync whose
 * selector is the exact paths to its pieces. Scheduling: every route has a few sync slots and a
 * free slot takes the next unit (work stealing); a unit that fails is retried on another route;
 * a unit running slower than median ÷ 4 is re-issued on an idle route, the first to finish wins
 * and the other is cancelled; a route failing N units in a row is dropped. Every sync's
 * `maxCharge` is its unit's full price and starts only if that fits both caps (spend.ts). Verified
 * pieces go straight to their offsets in the partial file (partial-file.ts), so a killed download
 * resumes where it stopped.
 */
import {
  DEFAULT_CONCURRENCY_PER_ROUTE, DEFAULT_MAX_ATTEMPTS_PER_UNIT, DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_SLOW_FACTOR,
  DEFAULT_UNIT_PIECES, PROGRESS_FLUSH_MS, SCHEDULER_TICK_MS
} from './constants.js'
import { NoRouteLeftError, UnitAttemptsExhaustedError } from './errors.js'
import { PartialFile } from './partial-file.js'
import { fetchAttachmentIndex } from './piece-index.js'
import { RateBook, RouteState } from './route-state.js'
import { fetchIndexOverRoutes, fetchPolicies, policyOf, runRouteSync, spendCapError } from './route-sync.js'
import { reserve, SpendAccount } from './spend.js'
import { planUnits, priceOf, unitSync } from './units.js'
import type { AttachmentIndex } from './piece-index.js'
import type { RouteSyncContext } from './route-sync.js'
import type { DownloadOptions, DownloadReport } from './types.js'
import type { Unit, UnitSync } from './units.js'
import type { CID } from 'multiformats/cid'

/** One sync of a unit on a route. */
interface Attempt {
  readonly unit: Unit
  readonly state: RouteState
  readonly plan: UnitSync
  readonly controller: AbortController
  readonly startedMs: number
  bytes: number
  /** Cancelled because another attempt of its unit finished first. */
  cancelled: boolean
}

/** Downloads one attachment; `report()` tells what happened, also after a failure. */
export class AttachmentDownloader {
  private readonly options: DownloadOptions
  private readonly routes: RouteState[]
  private readonly total: SpendAccount
  private readonly syncContext: RouteSyncContext
  private readonly rates: RateBook
  private readonly queue: Unit[] = []
  private readonly running = new Map<Unit, Set<Attempt>>()
  private readonly settled = new Set<Promise<void>>()
  private readonly relayInFlight = new Map<string, number>()
  private readonly plans = new WeakMap<Unit, UnitSync>()
  private index: AttachmentIndex | undefined
  private file: PartialFile | undefined
  private fatal: Error | undefined
  private wake: (() => void) | undefined
  private flushing: Promise<void> = Promise.resolve()
  private lastFlushMs = 0
  private startedMs = 0
  private endedMs: number | undefined
  private bytes = 0
  private fetchedPieces = 0
  private complete = false

  constructor (options: DownloadOptions) {
    this.options = options
    this.routes = options.routes.map((route, id) => new RouteState(id, route, options.maxChargePerRoute))
    this.total = new SpendAccount(options.maxChargeTotal)
    this.rates = new RateBook(options.slowFactor ?? DEFAULT_SLOW_FACTOR)
    this.syncContext = {
      client: options.client,
      root: options.root,
      total: this.total,
      routeCap: options.maxChargePerRoute,
      pieces: options.pieces,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
      signal: options.signal,
      received: (bytes) => { this.bytes += bytes }
    }
  }

  /** Runs the download to the end; rejects with a typed error (the partial file stays resumable). */
  async download (): Promise<DownloadReport> {
    this.startedMs = performance.now()
    try {
      await fetchPolicies(this.routes, this.options.client, this.options.policies, this.options.signal)
      this.index = await fetchAttachmentIndex(this.options.root, this.options.pieces, async (paths, sizes) => fetchIndexOverRoutes(this.syncContext, this.routes, paths, sizes))
      const file = this.file = await PartialFile.open(this.options.out, this.options.root, this.index.locations.map((l) => l.cid))
      this.queue.push(...planUnits(this.options.pieces, (n) => file.has(n), this.options.unitPieces ?? DEFAULT_UNIT_PIECES))
      await this.schedule()
      // cancelled duplicates settle their spend (and stop writing) before the file is closed
      await Promise.allSettled([...this.settled])
      await this.flushing
      await file.finish()
      this.complete = true
      return this.report()
    } catch (err: unknown) {
      for (const attempts of this.running.values()) for (const attempt of attempts) attempt.controller.abort()
      await Promise.allSettled([...this.settled])
      await this.flushing.catch(() => {})
      await this.file?.close().catch(() => {})
      throw err
    } finally {
      this.endedMs = performance.now()
    }
  }

  /** The CIDs of pieces 1..m, once the index was read (empty before). */
  pieceCids (): CID[] {
    return this.index?.locations.map((l) => l.cid) ?? []
  }

  /** The report so far (final once `download()` settled). */
  report (): DownloadReport {
    for (const state of this.routes) state.syncReport()
    const routes = this.routes.map((s) => s.report)
    return {
      root: this.options.root.toString(),
      pieces: this.options.pieces,
      complete: this.complete,
      resumedPieces: this.file?.resumedPieces ?? 0,
      fetchedPieces: this.fetchedPieces,
      bytes: this.bytes,
      charge: this.total.charged,
      chargeUpperBound: this.total.spent,
      routes,
      elapsedMs: Math.round((this.endedMs ?? performance.now()) - this.startedMs)
    }
  }

  private async schedule (): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      this.options.signal?.throwIfAborted()
      if (this.fatal !== undefined) throw this.fatal
      this.dispatch()
      if (this.running.size === 0 && this.queue.length > 0) {
        const now = performance.now()
        const live = this.routes.filter((s) => !s.report.dropped && s.policy !== undefined)
        if (live.length === 0) throw new NoRouteLeftError(this.missingPieces())
        // nothing in flight, a route free, and still nothing started: only the caps can say no
        if (!live.some((s) => s.restUntilMs > now)) throw spendCapError(this.total, this.options.maxChargePerRoute, live.map((s) => this.priceFor(this.queue[0], s)))
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SCHEDULER_TICK_MS)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = undefined
    }
  }

  /** Starts units on free routes: queued ones first, then hedges of slow ones. */
  private dispatch (): void {
    let started = true
    while (started) {
      started = false
      const now = performance.now()
      // the least busy route first: routes sharing a relay share its per-payer limit fairly
      for (const state of [...this.routes].sort((a, b) => a.inFlight - b.inFlight)) {
        if (!state.usable(now) || !this.hasSlot(state)) continue
        started = this.startQueued(state) || this.startHedge(state, now) || started
      }
    }
  }

  private startQueued (state: RouteState): boolean {
    const live = this.routes.filter((s) => !s.report.dropped)
    for (let i = 0; i < this.queue.length; i++) {
      const unit = this.queue[i]
      // failed everywhere still alive: every route gets another chance (tries bound it)
      if (live.every((s) => unit.excluded.has(s.id))) unit.excluded.clear()
      if (unit.excluded.has(state.id)) continue
      const price = this.priceFor(unit, state)
      if (!reserve([state.spend, this.total], price)) continue
      this.queue.splice(i, 1)
      this.start(state, unit, this.planFor(unit), price)
      return true
    }
    return false
  }

  private startHedge (state: RouteState, now: number): boolean {
    if (this.queue.length > 0) return false
    const file = this.file as PartialFile
    for (const [unit, attempts] of this.running) {
      if (attempts.size !== 1) continue
      const [slow] = attempts
      if (slow.state === state || !this.rates.isSlow(slow.plan.maxBytes, now - slow.startedMs)) continue
      const remaining = unit.pieces.filter((n) => !file.has(n))
      if (remaining.length === 0) continue
      const plan = unitSync(this.index as AttachmentIndex, remaining)
      const price = priceOf(plan.sizes, policyOf(state).doc)
      if (!reserve([state.spend, this.total], price)) continue
      slow.state.report.slowReissues++
      this.start(state, unit, plan, price)
      return true
    }
    return false
  }

  private start (state: RouteState, unit: Unit, plan: UnitSync, price: bigint): void {
    const attempt: Attempt = { unit, state, plan, controller: new AbortController(), startedMs: performance.now(), bytes: 0, cancelled: false }
    const attempts = this.running.get(unit) ?? new Set()
    attempts.add(attempt)
    this.running.set(unit, attempts)
    state.inFlight++
    this.relayInFlight.set(state.relayKey, (this.relayInFlight.get(state.relayKey) ?? 0) + 1)
    const done: Promise<void> = this.runAttempt(attempt, price).finally(() => {
      this.settled.delete(done)
      this.wake?.()
    })
    this.settled.add(done)
  }

  private async runAttempt (attempt: Attempt, price: bigint): Promise<void> {
    const file = this.file as PartialFile
    const signal = this.options.signal === undefined ? attempt.controller.signal : AbortSignal.any([attempt.controller.signal, this.options.signal])
    let error: unknown
    try {
      const result = await runRouteSync(this.syncContext, attempt.state, attempt.plan.selector, attempt.plan.sizes, price, signal, async (block) => {
        attempt.bytes += block.bytes.byteLength
        for (const n of attempt.plan.piecesByCid.get(block.cid.toString()) ?? []) {
          try {
            if (!await file.write(n, block.bytes)) continue
          } catch (err: unknown) {
            // a wrong-sized piece or a failing disk ends the download, not just this route
            this.fatal ??= err instanceof Error ? err : new Error(String(err))
            throw err
          }
          attempt.state.report.pieces++
          this.fetchedPieces++
          this.options.onProgress?.({ pieces: this.options.pieces, donePieces: file.completed, bytes: this.bytes })
        }
        this.maybeFlush()
      })
      if (result.status !== 'completed') error = new Error(`sync ended with ${result.status}`)
    } catch (err: unknown) {
      error = err
    }
    this.ended(attempt, error)
  }

  private ended (attempt: Attempt, error: unknown): void {
    const { state, unit } = attempt
    const now = performance.now()
    state.inFlight--
    this.relayInFlight.set(state.relayKey, (this.relayInFlight.get(state.relayKey) ?? 1) - 1)
    if (!attempt.cancelled && this.options.signal?.aborted !== true) {
      if (error === undefined) {
        state.succeeded()
        this.rates.add(attempt.bytes, now - attempt.startedMs)
      } else {
        state.failed(error, this.options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES, now)
        unit.excluded.add(state.id)
      }
    }
    const attempts = this.running.get(unit)
    if (attempts === undefined) return // its unit was already finished by another attempt
    attempts.delete(attempt)
    const file = this.file as PartialFile
    const remaining = unit.pieces.filter((n) => !file.has(n))
    if (remaining.length === 0) {
      for (const other of attempts) {
        other.cancelled = true
        other.controller.abort()
      }
      this.running.delete(unit)
      return
    }
    if (attempts.size > 0) return // a hedge still covers the unit
    this.running.delete(unit)
    if (error !== undefined && !attempt.cancelled && ++unit.tries >= DEFAULT_MAX_ATTEMPTS_PER_UNIT) {
      this.fatal ??= new UnitAttemptsExhaustedError(remaining[0], unit.tries)
    }
    unit.pieces = remaining
    this.plans.delete(unit)
    this.queue.unshift(unit)
  }

  private hasSlot (state: RouteState): boolean {
    const limits = policyOf(state).doc.limits
    const perRoute = Math.min(this.options.concurrencyPerRoute ?? DEFAULT_CONCURRENCY_PER_ROUTE, limits.maxConcurrentSyncsPerTarget)
    return state.inFlight < perRoute && (this.relayInFlight.get(state.relayKey) ?? 0) < limits.maxConcurrentSyncsPerPayer
  }

  private planFor (unit: Unit): UnitSync {
    let plan = this.plans.get(unit)
    if (plan === undefined) {
      plan = unitSync(this.index as AttachmentIndex, unit.pieces)
      this.plans.set(unit, plan)
    }
    return plan
  }

  private priceFor (unit: Unit, state: RouteState): bigint {
    return priceOf(this.planFor(unit).sizes, policyOf(state).doc)
  }

  private missingPieces (): number {
    return this.options.pieces - (this.file?.completed ?? 0)
  }

  private maybeFlush (): void {
    const now = performance.now()
    if (now - this.lastFlushMs < PROGRESS_FLUSH_MS) return
    this.lastFlushMs = now
    const file = this.file as PartialFile
    this.flushing = this.flushing.then(async () => { await file.flush() }).catch((err: unknown) => {
      this.fatal ??= err instanceof Error ? err : new Error(String(err))
    })
  }
}

/** Downloads an attachment into `options.out` (see AttachmentDownloader). */
export async function downloadAttachment (options: DownloadOptions): Promise<DownloadReport> {
  return new AttachmentDownloader(options).download()
}
