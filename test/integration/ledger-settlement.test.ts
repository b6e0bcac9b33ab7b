// Proves settlement imports, on each backend (classic-level and PostgreSQL): a signed transfer to
// the operator credits its payer once per txid (a replay, as object or bytes, is reported
// `duplicate` and writes nothing), a forged signature is rejected with the ledger unchanged, and a
// ledger without an operator address imports nothing.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { encodeSettlementTx, settlementTxid } from '../../accounting/settlement-tx.js'
import { settlement, testKey } from '../helpers/ledger.js'
import { LEDGER_BACKENDS, stopLedgerBackends } from '../helpers/ledger-backends.js'
import type { BackendLedger } from '../helpers/ledger-backends.js'

const alice = testKey('alice')
const mallory = testKey('mallory')

after(async () => { await stopLedgerBackends() })

for (const backend of LEDGER_BACKENDS) {
  describe(`settlement import (${backend.name})`, () => {
    let t: BackendLedger
    before(async () => { t = await backend.create() })
    after(async () => { await t.cleanup() })

    it('credits once and is idempotent by txid', async () => {
      const tx = settlement(alice, 2_000_000_000n, 1)
      const first = await t.ledger.creditSettlement(tx)
      assert.deepEqual(first.txid, settlementTxid(tx))
      assert.equal(first.duplicate, false)
      const dump = await t.dump()
      const replay = await t.ledger.creditSettlement(tx)
      const replayBytes = await t.ledger.creditSettlement(encodeSettlementTx(tx))
      for (const r of [replay, replayBytes]) {
        assert.equal(r.duplicate, true)
        assert.equal(r.journalSeq, first.journalSeq)
        assert.equal(r.balanceNanoTau, 2_000_000_000n)
      }
      assert.deepEqual(await t.dump(), dump)
      assert.equal((await t.ledger.account(alice.address))?.balanceNanoTau, 2_000_000_000n)
    })

    it('survives a reopen: the replay is still a duplicate', async () => {
      await t.reopen()
      const replay = await t.ledger.creditSettlement(settlement(alice, 2_000_000_000n, 1))
      assert.equal(replay.duplicate, true)
      const second = await t.ledger.creditSettlement(settlement(alice, 5n, 2))
      assert.equal(second.balanceNanoTau, 2_000_000_005n)
      assert.deepEqual((await t.ledger.check()).violations, [])
    })

    it('rejects a forged signature and leaves the ledger unchanged', async () => {
      const dump = await t.dump()
      // mallory signs a transfer claiming to come from alice
      const forged = { ...settlement(mallory, 1_000n, 9), from: alice.address }
      await assert.rejects(t.ledger.creditSettlement(forged), { name: 'SettlementSignatureError', reason: 'wrong_signer' })
      const tampered = { ...settlement(alice, 1_000n, 9), amountNanoTau: 1_000_000n }
      await assert.rejects(t.ledger.creditSettlement(tampered), { name: 'SettlementSignatureError' })
      assert.deepEqual(await t.dump(), dump)
    })

    it('rejects every import when no operator address is configured', async () => {
      await t.reopen({ now: () => 0 })
      await assert.rejects(t.ledger.creditSettlement(settlement(alice, 5n, 3)), { name: 'SettlementNotToOperatorError' })
    })
  })
}
