// Proves read → check → write is serialised (DESIGN.md §9.8) on each backend (classic-level and
// PostgreSQL): 50 concurrent charges of 10 against a balance of 100 give exactly 10 successes and a
// zero balance, where the same race run naively (get → check → batch without the queue) overdraws;
// and concurrent settles of one request id charge it once.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import { createTestLedger, requestId, settlement, testKey } from '../helpers/ledger.js'
import { LEDGER_BACKENDS, stopLedgerBackends } from '../helpers/ledger-backends.js'
import type { TestLedger } from '../helpers/ledger.js'
import type { BackendLedger } from '../helpers/ledger-backends.js'

const alice = testKey('alice')
const bob = testKey('bob')

after(async () => { await stopLedgerBackends() })

describe('the race the ledger must prevent', () => {
  let t: TestLedger
  before(async () => { t = await createTestLedger({ freeQuotaBytes: 0 }) })
  after(async () => { await t.cleanup() })

  it('a naive get → check → batch overdraws (the race this ledger must prevent)', async () => {
    const db = new ClassicLevel<string, string>(join(t.dir, 'naive'))
    await db.open()
    try {
      await db.put('balance', '100')
      const results = await Promise.all(Array.from({ length: 50 }, async () => {
        const balance = Number(await db.get('balance'))
        if (balance < 10) return false
        await db.batch([{ type: 'put', key: 'balance', value: String(balance - 10) }])
        return true
      }))
      const succeeded = results.filter(Boolean).length
      assert.ok(succeeded > 10, `naive race: ${succeeded} succeeded`)
      assert.equal(await db.get('balance'), '90', 'each naive charge wrote 100 − 10')
    } finally {
      await db.close()
    }
  })
})

for (const backend of LEDGER_BACKENDS) {
  describe(`ledger race (${backend.name})`, () => {
    let t: BackendLedger
    before(async () => {
      t = await backend.create({ freeQuotaBytes: 0 })
      await t.ledger.creditSettlement(settlement(alice, 100n))
      await t.ledger.creditSettlement(settlement(bob, 100n))
    })
    after(async () => { await t.cleanup() })

    it('50 concurrent charges of 10 against 100: exactly 10 succeed', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, async (_, i) => {
        const id = requestId(1000 + i)
        await t.ledger.openHold({ requestId: id, payer: alice.address, maxChargeNanoTau: 10n })
        return t.ledger.settle({ requestId: id, chargeNanoTau: 10n, freeBytesUsed: 0, billableBytes: 10 })
      }))
      const ok = outcomes.filter((o) => o.status === 'fulfilled')
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      assert.equal(ok.length, 10)
      assert.equal(rejected.length, 40)
      for (const r of rejected) assert.equal((r.reason as Error).name, 'ExceedsBalanceError')
      const account = await t.ledger.account(alice.address)
      assert.equal(account?.balanceNanoTau, 0n)
      assert.equal(account?.chargedNanoTau, 100n)
      assert.equal(account?.heldNanoTau, 0n)
      assert.deepEqual((await t.ledger.check()).violations, [])
    })

    it('concurrent settles of one request id charge it once', async () => {
      const id = requestId(2000)
      await t.ledger.openHold({ requestId: id, payer: bob.address, maxChargeNanoTau: 30n })
      const outcomes = await Promise.all(Array.from({ length: 20 }, async () =>
        t.ledger.settle({ requestId: id, chargeNanoTau: 30n, freeBytesUsed: 0, billableBytes: 1 })))
      assert.ok(outcomes.every((o) => o.journalSeq === outcomes[0].journalSeq))
      const account = await t.ledger.account(bob.address)
      assert.equal(account?.balanceNanoTau, 70n)
      assert.equal(account?.settledCount, 1)
      assert.deepEqual((await t.ledger.check()).violations, [])
    })
  })
}
