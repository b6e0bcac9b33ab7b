// Proves the transfer log on a real LevelDB: a settle and its record commit together and return a
// receipt that verifies offline; concurrent settles share group commits yet get gapless seqs and
// chained heads; a rejected settle logs nothing and burns no seq; a restart commits what a crash
// left pending; commits that fail write nothing; and accounts check sees every broken invariant.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { pendingKey, logHeadKey } from '../../accounting/transfer-log-keys.js'
import { verifyLogChain, verifyReceipt } from '../../accounting/receipt-verify.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { encodePendingRecord, TRANSFER_LOG_HAMT_OPTIONS } from '../../accounting/transfer-log-keys.js'
import { verifyHamtProof } from '../../protocol/hamt/proof.js'
import { readReceiptCar } from '../../accounting/receipt-car.js'
import { transferLogKey } from '../../protocol/transfer-record.js'
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { logInit, openAccounts, RELAY, recordOf } from '../helpers/transfer-log.js'
import type { TestAccounts } from '../helpers/transfer-log.js'
import type { LogHead } from '../../protocol/log-head.js'

const alice = testKey('alice')
const expect = { expectedRelayAddress: RELAY.address }

async function charge (t: TestAccounts, n: number, amount = 5n): Promise<Awaited<ReturnType<TransferLog['settle']>>> {
  await t.ledger.openHold({ requestId: requestId(n), payer: alice.address, maxChargeNanoTau: 10n })
  return t.log.settle({ requestId: requestId(n), chargeNanoTau: amount, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(n, alice.address, amount))
}

async function clean (t: TestAccounts): Promise<void> {
  const report = await accountsCheck(t.db, expect)
  assert.deepEqual(report.violations, [])
}

describe('transfer log', () => {
  const open: TestAccounts[] = []
  after(async () => { for (const t of open) await t.cleanup() })
  const fresh = async (): Promise<TestAccounts> => {
    const t = await openAccounts()
    open.push(t)
    await t.ledger.creditSettlement(settlement(alice, 1_000_000n))
    return t
  }

  it('charges and logs in one batch and returns a receipt that verifies offline', async () => {
    const t = await fresh()
    const { outcome, receipt } = await charge(t, 1)
    assert.equal(outcome.chargeNanoTau, 5n)
    assert.equal(receipt.record.seq, 0)
    assert.equal(receipt.head.seq, 0)
    assert.equal(receipt.head.prev, null)
    assert.equal(receipt.head.count, 1)
    const { root, blocks } = readReceiptCar(receipt.proof, 100)
    assert.ok(root.equals(receipt.headCid))
    assert.ok(blocks[0].cid.equals(receipt.headCid), 'the head block comes first')
    const verified = verifyReceipt(receipt, expect)
    assert.equal(verified.record.seq, 0)
    assert.ok(verified.headCid.equals(receipt.headCid))
    assert.equal(verifyReceipt(receipt.proof, { ...expect, expectedRecord: receipt.record }).ok, true)
    assert.equal(verifyReceipt(receipt.proof, { ...expect, seq: 0 }).record.charge, 5n)
    assert.deepEqual(await t.log.recordAt(0), receipt.record)
    assert.equal(await t.db.get(pendingKey(requestId(1))), undefined, 'the pending record is gone once committed')
    await clean(t)
  })

  it('joins concurrent settles into group commits with gapless seqs and chained heads', async () => {
    const commits: number[] = []
    const t = await openAccounts({ log: { tracer: { logCommitted: (n) => { commits.push(n) }, logCommitFailed: () => {} } } })
    open.push(t)
    await t.ledger.creditSettlement(settlement(alice, 1_000_000n))
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => charge(t, 100 + i)))
    const seqs = results.map((r) => r.receipt.record.seq).sort((a, b) => a - b)
    assert.deepEqual(seqs, Array.from({ length: 200 }, (_, i) => i))
    assert.equal(commits.reduce((a, b) => a + b, 0), 200)
    assert.ok(commits.length < 200, `group commits joined records (${commits.length} commits)`)
    assert.ok(commits.some((n) => n > 1))
    for (const { receipt } of results) {
      assert.equal(verifyReceipt(receipt, expect).ok, true)
      assert.ok(receipt.record.seq < receipt.head.count)
    }
    const heads = []
    for await (const h of t.log.heads()) heads.push(h.bytes)
    assert.equal(heads.length, commits.length)
    const cids = verifyLogChain(heads, expect)
    assert.ok(cids[cids.length - 1].equals((await t.log.head())?.cid))
    await clean(t)
  })

  it('a rejected settle logs nothing and burns no seq', async () => {
    const t = await fresh()
    await charge(t, 1)
    await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 10n })
    await assert.rejects(t.log.settle({ requestId: requestId(2), chargeNanoTau: 11n, freeBytesUsed: 0, billableBytes: 1 }, recordOf(2, alice.address, 11n)), { name: 'ChargeExceedsHoldError' })
    await assert.rejects(t.log.settle({ requestId: requestId(2), chargeNanoTau: 3n, freeBytesUsed: 0, billableBytes: 1 }, recordOf(2, alice.address, 4n)), { name: 'TransferRecordMismatchError', field: 'charge' })
    assert.equal(await t.db.get(pendingKey(requestId(2))), undefined)
    await assert.rejects(t.log.commit(requestId(2)), { name: 'TransferRecordNotPendingError' })
    const { receipt } = await t.log.settle({ requestId: requestId(2), chargeNanoTau: 3n, freeBytesUsed: 0, billableBytes: 1 }, recordOf(2, alice.address, 3n))
    assert.equal(receipt.record.seq, 1)
    // a repeated settle charges nothing more and has nothing left to log
    await assert.rejects(t.log.settle({ requestId: requestId(2), chargeNanoTau: 3n, freeBytesUsed: 0, billableBytes: 1 }, recordOf(2, alice.address, 3n)), { name: 'TransferRecordNotPendingError' })
    assert.equal((await t.log.head())?.head.count, 2)
    await clean(t)
  })

  it('start() commits the records a crash left pending', async () => {
    const t = await fresh()
    await charge(t, 1)
    for (const n of [2, 3, 4]) {
      await t.ledger.openHold({ requestId: requestId(n), payer: alice.address, maxChargeNanoTau: 10n })
      // settled with the record in its batch, but the process "dies" before the commit
      await t.ledger.settle({ requestId: requestId(n), chargeNanoTau: 2n, freeBytesUsed: 0, billableBytes: 1, extraBatchOps: t.log.pendingRecordOps(recordOf(n, alice.address, 2n)) })
    }
    const before = await accountsCheck(t.db, expect)
    assert.deepEqual(before.violations, [], 'pending records count as logged')
    assert.equal(before.log.totals.pending, 3)
    await t.reopen()
    const head = await t.log.head()
    assert.equal(head?.head.count, 4)
    assert.equal(head?.head.seq, 1)
    const report = await accountsCheck(t.db, expect)
    assert.deepEqual(report.violations, [])
    assert.equal(report.log.totals.pending, 0)
    assert.equal(report.log.totals.records, 4)
    for (let seq = 0; seq < 4; seq++) assert.equal(verifyReceipt((await t.log.proof(seq))!, { ...expect, seq }).record.seq, seq)
  })

  it('serves inclusion and exclusion proofs of the newest head', async () => {
    const t = await fresh()
    for (let n = 1; n <= 20; n++) await charge(t, n)
    const head = (await t.log.head())!
    const inclusion = (await t.log.proof(7))!
    assert.equal(verifyReceipt(inclusion, { ...expect, seq: 7 }).record.seq, 7)
    assert.equal(await t.log.proof(20), undefined)
    assert.equal(await t.log.exclusionProof(7), undefined)
    const exclusion = (await t.log.exclusionProof(20))!
    const { blocks } = readReceiptCar(exclusion, 100)
    assert.ok(blocks[0].cid.equals(head.cid))
    await assert.rejects(async () => verifyReceipt(exclusion, { ...expect, seq: 20 }), { name: 'InvalidReceiptError', reason: 'seq_out_of_range' })
    // the HAMT part alone is a standard HAMT proof of absence
    const { encodeProofCar } = await import('../../protocol/hamt/proof.js')
    const hamtOnly = encodeProofCar(head.head.hamt, blocks.slice(1))
    assert.equal((await verifyHamtProof(hamtOnly, transferLogKey(20), TRANSFER_LOG_HAMT_OPTIONS)).found, false)
  })

  it('rejects tampered receipts with a typed reason', async () => {
    const t = await fresh()
    await charge(t, 1)
    const { receipt } = await charge(t, 2)
    const other = testKey('mallory')
    await assert.rejects(async () => verifyReceipt(receipt, { expectedRelayAddress: other.address }), { name: 'InvalidReceiptError', reason: 'bad_signature' })
    await assert.rejects(async () => verifyReceipt({ ...receipt, record: { ...receipt.record, charge: 1n } }, expect), { name: 'InvalidReceiptError', reason: 'record_mismatch' })
    await assert.rejects(async () => verifyReceipt(receipt, { ...expect, expectedRecord: { ...receipt.record, payer: other.address } }), { name: 'InvalidReceiptError', reason: 'record_mismatch' })
    await assert.rejects(async () => verifyReceipt({ ...receipt, record: { ...receipt.record, seq: 0 } }, expect), { name: 'InvalidReceiptError', reason: 'record_mismatch' })
    await assert.rejects(async () => verifyReceipt({ ...receipt, proof: receipt.proof.subarray(0, receipt.proof.length - 3) }, expect), { name: 'InvalidReceiptError', reason: 'malformed_car' })
    const flipped = receipt.proof.slice()
    flipped[flipped.length - 5] ^= 1
    await assert.rejects(async () => verifyReceipt({ ...receipt, proof: flipped }, expect), { name: 'InvalidReceiptError', reason: 'malformed_car' })
    const { blocks, root } = readReceiptCar(receipt.proof, 100)
    const { encodeProofCar } = await import('../../protocol/hamt/proof.js')
    await assert.rejects(async () => verifyReceipt({ ...receipt, proof: encodeProofCar(root, blocks.slice(0, -1)) }, expect), { name: 'InvalidReceiptError' })
    await assert.rejects(async () => verifyReceipt({ ...receipt, proof: encodeProofCar(root, blocks.slice(1)) }, expect), { name: 'InvalidReceiptError', reason: 'head_block_missing' })
    const older = (await t.log.heads().next()).value!
    await assert.rejects(async () => verifyReceipt({ ...receipt, head: older.head }, expect), { name: 'InvalidReceiptError', reason: 'head_mismatch' })
  })

  it('verifyLogChain refuses heads out of order, skipped or from another relay', async () => {
    const t = await fresh()
    for (let n = 1; n <= 3; n++) await charge(t, n)
    const heads: LogHead[] = []
    for await (const h of t.log.heads()) heads.push(h.head)
    assert.equal(verifyLogChain(heads).length, 3)
    assert.throws(() => verifyLogChain([heads[0], heads[2]]), { name: 'LogChainBrokenError', index: 1 })
    assert.throws(() => verifyLogChain([heads[1], heads[0]]), { name: 'LogChainBrokenError', index: 1 })
    assert.throws(() => verifyLogChain(heads, { expectedRelayAddress: alice.address }), { name: 'LogChainBrokenError', index: 0 })
  })

  it('a failed commit writes nothing and its record is committed later', async () => {
    const t = await fresh()
    await charge(t, 1)
    const db = t.db
    const realBatch = db.batch.bind(db)
    let failNext = true
    const failing = new TransferLog({
      db: {
        get: async (key) => db.get(key),
        getMany: async (keys) => db.getMany(keys),
        iterator: (range) => db.iterator(range),
        batch: async (ops, options) => {
          if (failNext) {
            failNext = false
            throw Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' })
          }
          return realBatch(ops, options)
        }
      },
      ledger: t.ledger
    }, logInit())
    await t.log.stop()
    await failing.start()
    await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 10n })
    await assert.rejects(failing.settle({ requestId: requestId(2), chargeNanoTau: 4n, freeBytesUsed: 0, billableBytes: 1 }, recordOf(2, alice.address, 4n)),
      (err: Error) => err.name === 'LogCommitFailedError' && (err.cause as Error).name === 'LedgerStorageError')
    assert.equal((await failing.head())?.head.count, 1, 'no head was written')
    assert.notEqual(await t.db.get(pendingKey(requestId(2))), undefined, 'the charged record stays pending')
    assert.deepEqual((await accountsCheck(t.db, expect)).violations, [])
    const receipt = await failing.commit(requestId(2))
    assert.equal(receipt.record.seq, 1)
    assert.equal(verifyReceipt(receipt, expect).ok, true)
    await failing.stop()
    await clean(t)
    await t.log.start()
  })

  it('accounts check finds a charge without a record, a record without a charge, and a broken chain', async () => {
    const t = await fresh()
    for (let n = 1; n <= 3; n++) await charge(t, n)
    await clean(t)
    const cases: Array<[Uint8Array, Uint8Array | undefined, RegExp]> = [
      [pendingKey(requestId(99)), encodePendingRecord(recordOf(99, alice.address, 1n)), /never charged/],
      [pendingKey(requestId(2)), encodePendingRecord(recordOf(2, alice.address, 5n)), /both pending and committed/],
      [logHeadKey(1), undefined, /head key 2 where head 1|chain broken/],
      [logHeadKey(5), (await t.db.get(logHeadKey(0)))!, /head key 5|chain broken|newest-head/]
    ]
    for (const [key, value, pattern] of cases) {
      const saved = await t.db.get(key)
      if (value === undefined) await t.db.del(key)
      else await t.db.put(key, value)
      const report = await accountsCheck(t.db, expect)
      assert.equal(report.ok, false)
      assert.ok(report.violations.some((v) => pattern.test(v)), report.violations.join('\n'))
      if (saved === undefined) await t.db.del(key)
      else await t.db.put(key, saved)
      await clean(t)
    }
    // a settled charge whose record vanished
    await t.ledger.openHold({ requestId: requestId(50), payer: alice.address, maxChargeNanoTau: 10n })
    await t.ledger.settle({ requestId: requestId(50), chargeNanoTau: 1n, freeBytesUsed: 0, billableBytes: 1 })
    const report = await accountsCheck(t.db, expect)
    assert.ok(report.violations.some((v) => /has no log record/.test(v)), report.violations.join('\n'))
  })
})
