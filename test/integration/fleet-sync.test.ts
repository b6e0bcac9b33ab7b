// Proves an operator fleet of three real relay processes on one PostgreSQL ledger: concurrent
// syncs by one payer through all three nodes never hand out the free quota more than once (a free
// phase with no balance), never spend more than the balance (a paid phase), every charge the
// requester saw is exactly what the shared account lost, and `accounts check` of every node finds
// the shared ledger and that node's own signed log clean, with every charge logged on one node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFleet } from '../helpers/fleet-process.js'
import type { Fleet, SyncEnd } from '../helpers/fleet-process.js'

const NODES = 3
const FREE_QUOTA_BYTES = 200_000
const CREDIT_NANO_TAU = 1_000_000n
const FULL_PRICE_NANO_TAU = 400_000n

function charged (ends: SyncEnd[]): bigint {
  return ends.reduce((sum, e) => sum + (e.kind === 'result' ? e.result.charge : 0n), 0n)
}

function describeEnd (e: SyncEnd): string {
  return e.kind === 'failed' ? e.error.message : e.kind
}

describe('a fleet of three relay processes sharing one ledger', () => {
  let fleet: Fleet
  const ends: SyncEnd[] = []
  before(async () => {
    fleet = await startFleet({ nodes: NODES, freeQuotaBytes: FREE_QUOTA_BYTES, pieces: 6, pieceBytes: 64 * 1024 })
  })
  after(async () => { await fleet?.close() })

  it('hands out the free quota once across the fleet, however many nodes are asked at once', async () => {
    const free = await Promise.all(Array.from({ length: 9 }, async (_, i) => fleet.sync(i % NODES, 0n)))
    ends.push(...free)
    for (const e of free) {
      assert.notEqual(e.kind, 'failed', describeEnd(e))
      if (e.kind === 'rejected') assert.equal(e.reason, 'insufficient_funds')
      if (e.kind === 'result') assert.equal(e.result.charge, 0n)
    }
    const freeBytes = free.reduce((sum, e) => sum + (e.kind === 'result' ? e.result.freeBytes : 0), 0)
    assert.ok(freeBytes > 0 && freeBytes <= FREE_QUOTA_BYTES, `${freeBytes} free bytes served`)
    const account = await fleet.account()
    assert.equal(account.freeQuotaUsedBytes, freeBytes)
    assert.equal(account.heldNanoTau, 0n)
  })

  it('never spends more than the balance with concurrent paid syncs on every node', async () => {
    await fleet.credit(CREDIT_NANO_TAU, 1)
    const paid = await Promise.all(Array.from({ length: 12 }, async (_, i) => fleet.sync(i % NODES, FULL_PRICE_NANO_TAU)))
    ends.push(...paid)
    for (const e of paid) {
      assert.notEqual(e.kind, 'failed', describeEnd(e))
      if (e.kind === 'rejected') assert.ok(['insufficient_funds', 'busy'].includes(e.reason), e.reason)
      if (e.kind === 'result') {
        assert.ok(e.result.charge <= FULL_PRICE_NANO_TAU)
        assert.equal(e.result.receiptVerified, true)
      }
    }
    assert.ok(paid.some((e) => e.kind === 'rejected'), 'the balance runs out: some syncs are refused')
    const account = await fleet.account()
    assert.ok(charged(paid) > 0n && charged(paid) <= CREDIT_NANO_TAU)
    assert.equal(account.balanceNanoTau, CREDIT_NANO_TAU - charged(paid), 'the account lost exactly what the requester was charged')
    assert.equal(account.chargedNanoTau, charged(ends))
    assert.equal(account.heldNanoTau, 0n)
  })

  it('passes accounts check on the shared ledger and on every node\'s log', async () => {
    const nodes = Array.from({ length: NODES }, (_, i) => i)
    assert.deepEqual(await Promise.all(nodes.map(async (i) => fleet.stop(i))), nodes.map(() => 0))
    const reports = await Promise.all(nodes.map(async (i) => fleet.check(i)))
    let logged = 0
    for (const [i, report] of reports.entries()) {
      assert.deepEqual(report.violations, [], `node ${i}`)
      assert.equal(report.ok, true)
      assert.equal(report.totals.unloggedCharges, 0)
      logged += Number(report.totals.nodeLogRecords)
    }
    const transfers = ends.filter((e) => e.kind === 'result' && e.result.blocks > 0).length
    assert.equal(logged, transfers, 'every transfer is logged on exactly one node')
  })
})
