// Proves every ledger operation, on each backend (a real classic-level database and a real
// PostgreSQL cluster): holds take min(maxCharge, available) and reserve free quota, settle debits
// seeding credit first and stores the transfer log's pending record in the same commit, repeats
// are idempotent, statements are signed, and check() finds the books balanced after all of it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { verifyStatement } from '../../accounting/ledger-statement.js'
import { encodePendingRecord } from '../../accounting/transfer-log-keys.js'
import { selectorCid } from '../../protocol/transfer-record.js'
import { OPERATOR, requestId, settlement, testKey } from '../helpers/ledger.js'
import { LEDGER_BACKENDS, stopLedgerBackends, TEST_NODE_ID } from '../helpers/ledger-backends.js'
import type { BackendLedger } from '../helpers/ledger-backends.js'

const alice = testKey('alice')
const bob = testKey('bob')
const T0 = 1_700_000_000_000

after(async () => { await stopLedgerBackends() })

for (const backend of LEDGER_BACKENDS) {
  describe(`ledger operations (${backend.name})`, () => {
    let t: BackendLedger
    before(async () => { t = await backend.create({ freeQuotaBytes: 1000 }) })
    after(async () => { await t.cleanup() })

    it('credits a settlement to the payer', async () => {
      const result = await t.ledger.creditSettlement(settlement(alice, 500n), T0)
      assert.equal(result.duplicate, false)
      assert.equal(result.balanceNanoTau, 500n)
      const account = await t.ledger.account(alice.address)
      assert.equal(account?.balanceNanoTau, 500n)
      assert.equal(account?.creditedNanoTau, 500n)
      assert.equal(account?.freeQuotaBytes, 1000)
    })

    it('holds min(maxCharge, available) and reserves free quota', async () => {
      const h1 = await t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 300n, maxFreeBytes: 600, nowMs: T0 })
      assert.equal(h1.heldNanoTau, 300n)
      assert.equal(h1.heldFreeBytes, 600)
      const h2 = await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 300n, nowMs: T0 })
      assert.equal(h2.heldNanoTau, 200n, 'only 500 − 300 is left to hold')
      assert.equal(h2.heldFreeBytes, 400, 'only 1000 − 600 free bytes are left to reserve')
      const account = await t.ledger.account(alice.address)
      assert.equal(account?.heldNanoTau, 500n)
      assert.equal(account?.availableNanoTau, 0n)
      assert.equal(account?.freeQuotaAvailableBytes, 0)
    })

    it('returns the same hold for a retry of the same request', async () => {
      const again = await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 300n, nowMs: T0 })
      assert.equal(again.heldNanoTau, 200n)
      assert.equal((await t.ledger.account(alice.address))?.heldNanoTau, 500n)
    })

    it('settles one hold with the transfer log record in the same commit', async () => {
      const record = encodePendingRecord({
        requestId: requestId(1),
        payer: alice.address,
        peer: TEST_NODE_ID,
        root: null,
        selector: selectorCid({ '.': {} }),
        blocks: 1,
        bytes: 650,
        freeBytes: 600,
        charge: 120n,
        status: 'completed',
        startMs: T0,
        endMs: T0 + 1
      })
      const { outcome, stored } = await t.settleWithRecord({
        requestId: requestId(1),
        chargeNanoTau: 120n,
        freeBytesUsed: 600,
        billableBytes: 50,
        nowMs: T0 + 1
      }, record)
      assert.equal(outcome.status, 'settled')
      assert.equal(outcome.balanceNanoTau, 380n)
      assert.deepEqual(stored, new Uint8Array(record))
      const account = await t.ledger.account(alice.address)
      assert.equal(account?.heldNanoTau, 200n)
      assert.equal(account?.freeQuotaUsedBytes, 600)
      assert.equal(account?.chargedNanoTau, 120n)
      assert.equal(account?.settledCount, 1)
    })

    it('returns the stored outcome for the same settle again without writing', async () => {
      const before = await t.dump()
      const again = await t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 120n, freeBytesUsed: 600, billableBytes: 50, nowMs: T0 + 5 })
      assert.equal(again.chargeNanoTau, 120n)
      assert.equal(again.closedMs, T0 + 1)
      assert.deepEqual(await t.dump(), before)
    })

    it('releases a hold without charging it, idempotently', async () => {
      const released = await t.ledger.releaseHold(requestId(2), T0 + 2)
      assert.equal(released.status, 'released')
      assert.equal(released.chargeNanoTau, 0n)
      assert.equal((await t.ledger.releaseHold(requestId(2))).status, 'released')
      const account = await t.ledger.account(alice.address)
      assert.equal(account?.heldNanoTau, 0n)
      assert.equal(account?.heldFreeBytes, 0)
      assert.equal(account?.balanceNanoTau, 380n)
    })

    it('spends seeding credit before the balance', async () => {
      await t.ledger.creditSeeding({ address: alice.address, amountNanoTau: 50n, nowMs: T0 + 3 })
      await t.ledger.openHold({ requestId: requestId(3), payer: alice.address, maxChargeNanoTau: 100n, nowMs: T0 + 3 })
      const outcome = await t.ledger.settle({ requestId: requestId(3), chargeNanoTau: 80n, freeBytesUsed: 0, billableBytes: 80, nowMs: T0 + 4 })
      assert.equal(outcome.fromSeedingNanoTau, 50n)
      assert.equal(outcome.seedingCreditNanoTau, 0n)
      assert.equal(outcome.balanceNanoTau, 350n)
    })

    it('holds free quota only for an address with no funds, and charges nothing for it', async () => {
      const hold = await t.ledger.openHold({ requestId: requestId(4), payer: bob.address, maxChargeNanoTau: 10n, nowMs: T0 })
      assert.equal(hold.heldNanoTau, 0n)
      assert.equal(hold.heldFreeBytes, 1000)
      const outcome = await t.ledger.settle({ requestId: requestId(4), chargeNanoTau: 0n, freeBytesUsed: 700, billableBytes: 0, nowMs: T0 })
      assert.equal(outcome.chargeNanoTau, 0n)
      assert.equal((await t.ledger.account(bob.address))?.freeQuotaAvailableBytes, 300)
    })

    it('lists accounts in address order', async () => {
      const seen: string[] = []
      for await (const account of t.ledger.accounts()) seen.push(Buffer.from(account.address).toString('hex'))
      assert.deepEqual(seen, [alice.address, bob.address].map((a) => Buffer.from(a).toString('hex')).sort())
    })

    it('signs a statement of credits and charges in a time range', async () => {
      const statement = await t.ledger.statement(alice.address, { fromMs: T0, toMs: T0 + 10 }, OPERATOR.privateKey)
      assert.deepEqual(statement.entries.map((e) => e.kind), ['settlement', 'charge', 'seeding', 'charge'])
      assert.equal(statement.creditedNanoTau, 500n)
      assert.equal(statement.seededNanoTau, 50n)
      assert.equal(statement.chargedNanoTau, 200n)
      assert.deepEqual(statement.relay, OPERATOR.address)
      verifyStatement(statement, OPERATOR.address)
      assert.throws(() => verifyStatement({ ...statement, chargedNanoTau: 1n }, OPERATOR.address), { name: 'InvalidSignatureError' })
      const narrow = await t.ledger.statement(alice.address, { fromMs: T0 + 1, toMs: T0 + 4 }, OPERATOR.privateKey)
      assert.deepEqual(narrow.entries.map((e) => e.tsMs), [T0 + 1, T0 + 3])
    })

    it('finds the books balanced', async () => {
      const report = await t.ledger.check()
      assert.deepEqual(report.violations, [])
      assert.equal(report.ok, true)
      // sum of balances = credits − debits
      const { totals } = report
      assert.equal(totals.balanceNanoTau + totals.seedingCreditNanoTau, totals.settlementCreditsNanoTau + totals.seedingCreditsNanoTau - totals.chargesNanoTau)
      assert.equal(totals.balanceNanoTau, 350n)
      assert.equal(totals.chargesNanoTau, 200n)
    })
  })

  describe(`ledger free quota periods (${backend.name})`, () => {
    let t: BackendLedger
    before(async () => { t = await backend.create({ freeQuotaBytes: 100, freeQuotaPeriodMs: 1000 }) })
    after(async () => { await t.cleanup() })

    it('grants the quota again in each new period, aligned to the first', async () => {
      await t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 0n, nowMs: T0 })
      await t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 0n, freeBytesUsed: 100, billableBytes: 0 })
      await assert.rejects(t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 0n, nowMs: T0 + 999 }), { name: 'ExceedsBalanceError' })
      const hold = await t.ledger.openHold({ requestId: requestId(3), payer: alice.address, maxChargeNanoTau: 0n, nowMs: T0 + 2500 })
      assert.equal(hold.heldFreeBytes, 100)
      assert.equal((await t.ledger.account(alice.address))?.freeQuotaPeriodStartMs, T0 + 2000)
      assert.equal((await t.ledger.check()).ok, true)
    })
  })
}
