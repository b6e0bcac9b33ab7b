// Proves a fleet survives a node dying mid-sync: two relay processes share one PostgreSQL ledger,
// one is SIGKILLed while both forward a slow sync; the other's sync completes and is charged
// (the restarted node releases only its own open holds, never a hold of a sync still running on
// another node), the dead node's hold is released at its restart, it serves again, and
// `accounts check` finds the shared ledger and both nodes' logs clean.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFleet } from '../helpers/fleet-process.js'
import type { Fleet, SyncEnd } from '../helpers/fleet-process.js'

const CREDIT_NANO_TAU = 100_000_000n
const MAX_CHARGE_NANO_TAU = 10_000_000n

describe('a fleet node SIGKILLed mid-sync', () => {
  let fleet: Fleet
  before(async () => {
    // 4 MiB at 512 KiB/s: the survivor's sync outlasts the victim's kill and restart (~3 s)
    fleet = await startFleet({ nodes: 2, freeQuotaBytes: 0, pieces: 64, pieceBytes: 64 * 1024, targetBytesPerSecond: 512 * 1024 })
    await fleet.credit(CREDIT_NANO_TAU, 1)
  })
  after(async () => { await fleet?.close() })

  it('keeps the other node\'s sync and hold, releases the dead node\'s hold at restart, and checks clean', async () => {
    let survivorEnded = false
    const survivor = fleet.sync(1, MAX_CHARGE_NANO_TAU).finally(() => { survivorEnded = true })
    const victim = fleet.sync(0, MAX_CHARGE_NANO_TAU)
    // both holds are open once blocks flow
    const deadline = Date.now() + 10_000
    while ((await fleet.account()).heldNanoTau < 2n * MAX_CHARGE_NANO_TAU) {
      assert.ok(Date.now() < deadline, 'both syncs never held their charge')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    await fleet.kill(0)
    const killed = await victim
    assert.equal(killed.kind, 'failed', 'the sync through the killed node fails')

    await fleet.start(0)
    // node 0 released its own hold, not node 1's: node 1's sync is still running on its hold
    const during = await fleet.account()
    assert.equal(survivorEnded, false, 'the survivor outlasted the restart')
    assert.equal(during.heldNanoTau, MAX_CHARGE_NANO_TAU)
    const ended: SyncEnd = await survivor
    assert.equal(ended.kind, 'result', ended.kind === 'failed' ? ended.error.message : ended.kind)
    assert.ok(ended.kind === 'result' && ended.result.status === 'completed' && ended.result.charge > 0n && ended.result.receiptVerified)

    // the restarted node serves again (the first blocks: the target is slow on purpose)
    const again = await fleet.sync(0, MAX_CHARGE_NANO_TAU, 3)
    assert.equal(again.kind, 'result', again.kind === 'failed' ? again.error.message : again.kind)

    const account = await fleet.account()
    assert.equal(account.heldNanoTau, 0n)
    const seen = [ended, again].reduce((sum, e) => sum + (e.kind === 'result' ? e.result.charge : 0n), 0n)
    assert.equal(account.chargedNanoTau, seen, 'only completed syncs were charged')
    assert.equal(account.balanceNanoTau, CREDIT_NANO_TAU - seen)

    assert.deepEqual(await Promise.all([0, 1].map(async (i) => fleet.stop(i))), [0, 0])
    for (const report of await Promise.all([0, 1].map(async (i) => fleet.check(i)))) {
      assert.deepEqual(report.violations, [])
      assert.equal(report.totals.unloggedCharges, 0)
    }
  })
})
