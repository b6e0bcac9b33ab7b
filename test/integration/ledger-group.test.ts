// Proves the ledger's group application (ledger-writer.ts): operations requested together commit
// as one batch, a rejected operation in that pass writes nothing and does not disturb the others,
// a failed batch rejects every operation of its pass, leaves the key space unchanged and the
// journal position where it was, and the ledger works on afterwards with clean books.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Ledger } from '../../accounting/ledger.js'
import { createTestLedger, dumpKeySpace, OPERATOR, requestId, settlement, testKey } from '../helpers/ledger.js'
import type { LedgerBatchOp, LedgerDatabase } from '../../accounting/ledger-state.js'
import type { TestLedger } from '../helpers/ledger.js'

const alice = testKey('alice')
const bob = testKey('bob')

describe('ledger group application', () => {
  let t: TestLedger
  let ledger: Ledger
  let batches = 0
  let failNext = false
  before(async () => {
    t = await createTestLedger({ freeQuotaBytes: 0 })
    // the same database, with a batch that counts and can fail once like a full disk
    const db: LedgerDatabase = {
      get: async (key) => t.db.get(key),
      getMany: async (keys) => t.db.getMany(keys),
      iterator: (range) => t.db.iterator(range),
      batch: async (ops: LedgerBatchOp[], options) => {
        batches++
        if (failNext) {
          failNext = false
          throw Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' })
        }
        return t.db.batch(ops, options)
      }
    }
    await t.ledger.stop()
    ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 0, now: () => 1_700_000_000_000 })
    await ledger.start()
    await ledger.creditSettlement(settlement(alice, 100n))
    await ledger.creditSettlement(settlement(bob, 100n))
  })
  after(async () => {
    await ledger.stop()
    await t.cleanup()
  })

  it('commits operations requested together in one batch; a rejected one changes nothing', async () => {
    const before = batches
    const outcomes = await Promise.allSettled([
      ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 40n }),
      ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 60n }),
      // alice has nothing left to hold: rejected, alone
      ledger.openHold({ requestId: requestId(3), payer: alice.address, maxChargeNanoTau: 1n }),
      ledger.openHold({ requestId: requestId(4), payer: bob.address, maxChargeNanoTau: 30n })
    ])
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    assert.equal(((outcomes[2] as PromiseRejectedResult).reason as Error).name, 'ExceedsBalanceError')
    assert.equal(batches - before, 1, 'one batch for the whole pass')
    assert.equal((await ledger.account(alice.address))?.heldNanoTau, 100n)
    assert.equal((await ledger.account(bob.address))?.heldNanoTau, 30n)
    assert.equal(await t.db.get(new Uint8Array([0x03, ...requestId(3)])), undefined, 'no hold for the rejected request')
    assert.deepEqual((await ledger.check()).violations, [])
  })

  it('a failed batch rejects its whole pass, writes nothing, and the ledger carries on', async () => {
    const keySpace = await dumpKeySpace(t.db)
    failNext = true
    const outcomes = await Promise.allSettled([
      ledger.settle({ requestId: requestId(1), chargeNanoTau: 40n, freeBytesUsed: 0, billableBytes: 1 }),
      ledger.settle({ requestId: requestId(4), chargeNanoTau: 10n, freeBytesUsed: 0, billableBytes: 1 }),
      ledger.releaseHold(requestId(2))
    ])
    for (const o of outcomes) {
      assert.equal(o.status, 'rejected')
      assert.equal((o.reason as { code?: string }).code, 'LEVEL_IO_ERROR')
    }
    assert.deepEqual(await dumpKeySpace(t.db), keySpace, 'the key space is unchanged')
    // the working view forgot the failed pass: the same operations succeed, with the same journal seqs a success would have had
    const [first, second] = await Promise.all([
      ledger.settle({ requestId: requestId(1), chargeNanoTau: 40n, freeBytesUsed: 0, billableBytes: 1 }),
      ledger.settle({ requestId: requestId(4), chargeNanoTau: 10n, freeBytesUsed: 0, billableBytes: 1 }),
      ledger.releaseHold(requestId(2))
    ])
    assert.equal(second.journalSeq, first.journalSeq + 1)
    assert.equal((await ledger.account(alice.address))?.balanceNanoTau, 60n)
    assert.equal((await ledger.account(alice.address))?.heldNanoTau, 0n)
    assert.equal((await ledger.account(bob.address))?.balanceNanoTau, 90n)
    assert.deepEqual((await ledger.check()).violations, [])
  })

  it('a restart reads back exactly what was acknowledged', async () => {
    await ledger.stop()
    const fresh = new Ledger({ db: t.db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 0 })
    await fresh.start()
    assert.equal((await fresh.account(alice.address))?.balanceNanoTau, 60n)
    await fresh.openHold({ requestId: requestId(5), payer: bob.address, maxChargeNanoTau: 90n })
    const settled = await fresh.settle({ requestId: requestId(5), chargeNanoTau: 90n, freeBytesUsed: 0, billableBytes: 1 })
    assert.equal(settled.balanceNanoTau, 0n)
    assert.deepEqual((await fresh.check()).violations, [])
    await fresh.stop()
  })
})
