// Proves a fleet rides out a PostgreSQL restart under load: two relay processes run syncs back to
// back while the database is stopped for a second and started again (`pg_ctl restart`); syncs in
// the outage fail with a typed rejection (`internal_error` or `busy`) or, when the database went
// away at the charge, end without a result — nothing charged without being logged — and syncs
// succeed again afterwards; `accounts check` finds the shared ledger and both logs clean.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFleet } from '../helpers/fleet-process.js'
import type { Fleet, SyncEnd } from '../helpers/fleet-process.js'

const CREDIT_NANO_TAU = 1_000_000_000n
const MAX_CHARGE_NANO_TAU = 1_000_000n
const LOAD_MS = 9_000

describe('a fleet across a database restart', () => {
  let fleet: Fleet
  before(async () => {
    fleet = await startFleet({ nodes: 2, freeQuotaBytes: 0, pieces: 4, pieceBytes: 64 * 1024 })
    await fleet.credit(CREDIT_NANO_TAU, 1)
  })
  after(async () => { await fleet?.close() })

  it('fails syncs cleanly while the database is down, resumes after, and loses nothing', async () => {
    const ends: Array<{ node: number, atMs: number, end: SyncEnd }> = []
    const t0 = Date.now()
    const load = async (node: number): Promise<void> => {
      while (Date.now() - t0 < LOAD_MS) {
        const end = await fleet.sync(node, MAX_CHARGE_NANO_TAU)
        ends.push({ node, atMs: Date.now() - t0, end })
        if (end.kind !== 'result') await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const running = Promise.all([load(0), load(1), load(0), load(1)])
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const downAtMs = Date.now() - t0
    await fleet.cluster.restart(1_500)
    const upAtMs = Date.now() - t0
    await running

    const failures = ends.filter((e) => e.end.kind !== 'result')
    for (const { end } of failures) {
      if (end.kind === 'rejected') assert.ok(['internal_error', 'busy'].includes(end.reason), end.reason)
      // the charge itself failed: the relay ends the stream without a result (relay-sync/service.ts)
      if (end.kind === 'failed') assert.equal(end.error.name, 'SyncStreamError', `${end.error.name}: ${end.error.message}`)
    }
    assert.ok(failures.length > 0, 'the outage was seen')
    assert.ok(failures.every((e) => e.atMs >= downAtMs), 'nothing failed before the outage')
    assert.ok(ends.some((e) => e.end.kind === 'result' && e.atMs > upAtMs + 500), 'syncs succeed after the restart')
    assert.ok(ends.some((e) => e.end.kind === 'result' && e.atMs < downAtMs), 'syncs succeeded before it')

    // a charge whose answer the database restart swallowed is logged by the node's reconcile (≤ 5 s, and on stop)
    assert.deepEqual(await Promise.all([0, 1].map(async (i) => fleet.stop(i))), [0, 0])
    const reports = await Promise.all([0, 1].map(async (i) => fleet.check(i)))
    for (const report of reports) {
      assert.deepEqual(report.violations, [])
      assert.equal(report.totals.unloggedCharges, 0)
      assert.equal(report.totals.openHolds, 0)
    }
    const seen = ends.reduce((sum, e) => sum + (e.end.kind === 'result' ? e.end.result.charge : 0n), 0n)
    assert.ok(BigInt(reports[0].totals.chargesNanoTau) >= seen, 'every charge the requesters saw is in the ledger')
    const logged = reports.reduce((n, r) => n + Number(r.totals.nodeLogRecords), 0)
    assert.equal(logged, Number(reports[0].totals.outcomes) - countReleased(reports[0]), 'every charge is logged once')
  })
})

function countReleased (report: { totals: Record<string, string | number> }): number {
  // outcomes = settled + released; settled = charge journal entries = chargeRows
  return Number(report.totals.outcomes) - Number(report.totals.chargeRows)
}
