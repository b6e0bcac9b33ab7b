// Proves a signed settlement imported 1,000 times at once has exactly one effect: one import
// credits it (`duplicate: false`), the 999 others answer `duplicate: true` with the same txid and
// journal seq, the balance and the journal carry one credit and `check()` is clean; and of 200
// different transfers sent at once under one (sender, nonce), exactly one is credited.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { encodeSettlementTx, settlementTxid } from '../../accounting/settlement-tx.js'
import { createTestLedger, OPERATOR, settlement, testKey } from '../helpers/ledger.js'
import type { TestLedger } from '../helpers/ledger.js'

const COPIES = 1000
const RIVALS = 200
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('replay: one settlement, many imports', () => {
  let t: TestLedger
  before(async () => { t = await createTestLedger({ freeQuotaBytes: 0 }) })
  after(async () => { await t.cleanup() })

  it(`credits a settlement imported ${COPIES} times concurrently exactly once`, async (ctx) => {
    const payer = testKey('replay settlement payer')
    const tx = settlement(payer, 123_456n, 0)
    const bytes = encodeSettlementTx(tx)
    const started = performance.now()
    // half as the decoded object, half as the signed bytes an operator would paste
    const results = await Promise.all(Array.from({ length: COPIES }, async (_, i) => t.ledger.creditSettlement(i % 2 === 0 ? tx : bytes)))
    const ms = performance.now() - started
    const fresh = results.filter((r) => !r.duplicate)
    assert.equal(fresh.length, 1, 'exactly one import credits')
    assert.equal(results.filter((r) => r.duplicate).length, COPIES - 1)
    assert.deepEqual(new Set(results.map((r) => hex(r.txid))), new Set([hex(settlementTxid(tx))]))
    assert.deepEqual(new Set(results.map((r) => r.journalSeq)), new Set([fresh[0].journalSeq]))
    assert.equal(fresh[0].balanceNanoTau, 123_456n)

    const account = await t.ledger.account(payer.address)
    assert.equal(account?.balanceNanoTau, 123_456n)
    assert.equal(account?.creditedNanoTau, 123_456n)
    const statement = await t.ledger.statement(payer.address, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, OPERATOR.privateKey)
    assert.deepEqual(statement.entries.map((e) => [e.kind, e.amountNanoTau]), [['settlement', 123_456n]])
    const report = await t.ledger.check()
    assert.deepEqual(report.violations, [])
    assert.equal(report.totals.settlements, 1)
    ctx.diagnostic(`${COPIES} concurrent imports: 1 credited, ${COPIES - 1} duplicate, ${Math.round(ms)} ms`)
  })

  it(`credits one of ${RIVALS} different transfers sent concurrently under one nonce`, async () => {
    const payer = testKey('replay nonce payer')
    const txs = Array.from({ length: RIVALS }, (_, i) => settlement(payer, 1_000n + BigInt(i), 7))
    const outcomes = await Promise.allSettled(txs.map(async (tx) => t.ledger.creditSettlement(tx)))
    const credited = outcomes.filter((o) => o.status === 'fulfilled')
    assert.equal(credited.length, 1)
    for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as Error).name, 'SettlementNonceReusedError')
    const winner = credited[0].status === 'fulfilled' ? credited[0].value : undefined
    // the first in arrival order wins: the single writer applies imports in the order they came
    assert.equal(winner?.amountNanoTau, 1_000n)
    assert.equal((await t.ledger.account(payer.address))?.balanceNanoTau, 1_000n)
    assert.deepEqual((await t.ledger.check()).violations, [])
  })
})
