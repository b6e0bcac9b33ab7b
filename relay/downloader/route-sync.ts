/**
 * Syncs on routes, for the downloader: each relay's policy fetched once (an unreachable relay
 * loses its routes), one sync with its spend settled from its verified receipt (or its whole hold
 * when it ended without one), and the index fetch that fails over from route to route.
 */
import { SpendCapReachedError } from '../../protocol/errors.js'
import { NoRouteLeftError } from './errors.js'
import { exactPathsSelector } from './path-selector.js'
import { reserve, settle } from './spend.js'
import { priceOf } from './units.js'
import type { SelectorPath } from './path-selector.js'
import type { RouteState } from './route-state.js'
import type { SpendAccount } from './spend.js'
import type { FetchedPolicy } from '../client/policy-client.js'
import type { RelaySyncClient } from '../client/relay-sync-client.js'
import type { CheckedSyncResult } from '../client/result-check.js'
import type { CID } from 'multiformats/cid'

/** What every sync of one download shares. */
export interface RouteSyncContext {
  client: RelaySyncClient
  root: CID
  total: SpendAccount
  routeCap: bigint | undefined
  pieces: number
  maxConsecutiveFailures: number
  signal: AbortSignal | undefined
  /** Counts block bytes received by the download. */
  received: (bytes: number) => void
}

/** Fetches each relay's policy once (or pins a given one); routes of an unreachable relay are dropped. */
export async function fetchPolicies (routes: readonly RouteState[], client: RelaySyncClient, known: Map<string, FetchedPolicy> | undefined, signal: AbortSignal | undefined): Promise<void> {
  const byRelay = new Map<string, Promise<void>>()
  for (const state of routes) {
    const given = known?.get(state.relayKey)
    if (given !== undefined) {
      client.pinPolicy(given)
      state.policy = given
      continue
    }
    const fetching = byRelay.get(state.relayKey) ?? client.fetchPolicy(state.route.relay, { signal }).then((policy) => {
      for (const s of routes) if (s.relayKey === state.relayKey) s.policy = policy
    }, () => {
      for (const s of routes) if (s.relayKey === state.relayKey) s.report.dropped = true
    })
    byRelay.set(state.relayKey, fetching)
  }
  await Promise.all(byRelay.values())
}

/** One sync on `state`, already reserved at `price`: streams blocks to `onBlock`, settles the spend. */
export async function runRouteSync (ctx: RouteSyncContext, state: RouteState, selector: Record<string, unknown>, sizes: number[], price: bigint,
  signal: AbortSignal | undefined, onBlock: (block: { cid: CID, bytes: Uint8Array }) => Promise<void>): Promise<CheckedSyncResult> {
  const policy = policyOf(state)
  let charge: bigint | undefined
  state.report.syncs++
  try {
    const run = ctx.client.sync({
      relay: state.route.relay,
      peer: state.route.peer,
      addrs: state.route.addrs,
      root: ctx.root,
      selector,
      maxBlocks: sizes.length,
      maxBytes: sizes.reduce((a, b) => a + b, 0),
      maxCharge: price,
      policyCid: policy.cid,
      signal
    })
    for await (const block of run) {
      state.report.bytes += block.bytes.byteLength
      ctx.received(block.bytes.byteLength)
      await onBlock(block)
    }
    const result = await run.result
    charge = result.charge
    if (result.receipt !== undefined && result.logRoot !== undefined) {
      state.report.receipts.push({ relayTau: policy.doc.relay.tau, logRoot: result.logRoot.toString(), status: result.status, charge: result.charge, blocks: result.blocks, bytes: result.bytes, receipt: result.receipt })
    }
    return result
  } catch (err: unknown) {
    // refused before any block: the relay released the hold
    if (err instanceof Error && err.name === 'SyncRejectedError') charge = 0n
    throw err
  } finally {
    settle([state.spend, ctx.total], price, charge)
  }
}

/** The index fetcher: one sync on the first live route the caps allow, failing over to the next. */
export async function fetchIndexOverRoutes (ctx: RouteSyncContext, routes: readonly RouteState[], paths: SelectorPath[], sizes: number[]): Promise<Array<{ cid: CID, bytes: Uint8Array }>> {
  const selector = exactPathsSelector(paths)
  for (;;) {
    ctx.signal?.throwIfAborted()
    const live = routes.filter((s) => !s.report.dropped && s.policy !== undefined)
    if (live.length === 0) throw new NoRouteLeftError(ctx.pieces)
    const state = live.find((s) => reserve([s.spend, ctx.total], priceOf(sizes, policyOf(s).doc)))
    if (state === undefined) throw spendCapError(ctx.total, ctx.routeCap, live.map((s) => priceOf(sizes, policyOf(s).doc)))
    const price = priceOf(sizes, policyOf(state).doc)
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    try {
      const result = await runRouteSync(ctx, state, selector, sizes, price, ctx.signal, async (block) => { blocks.push(block) })
      if (result.status === 'completed') {
        state.succeeded()
        return blocks
      }
      state.failed(new Error(result.status), ctx.maxConsecutiveFailures, performance.now())
    } catch (err: unknown) {
      if (ctx.signal?.aborted === true) throw err
      state.failed(err, ctx.maxConsecutiveFailures, performance.now())
    }
  }
}

/** The error when no route can afford its next sync at any of `prices`: the total cap's, else the routes'. */
export function spendCapError (total: SpendAccount, routeCap: bigint | undefined, prices: bigint[]): SpendCapReachedError {
  const needed = prices.reduce((a, b) => (b < a ? b : a))
  if (total.cap !== undefined && !total.fits(needed)) return new SpendCapReachedError('total', total.cap, total.spent, needed)
  return new SpendCapReachedError('route', routeCap ?? 0n, total.spent, needed)
}

/** The policy of a route that has one (the scheduler only uses those). */
export function policyOf (state: RouteState): FetchedPolicy {
  if (state.policy === undefined) throw new RangeError('route without a policy')
  return state.policy
}
