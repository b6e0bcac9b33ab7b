/**
 * Proves a genuine receipt from a real ledger and transfer log verifies, and every forgery of it
 * (each record and head field, every signature bit, a foreign or re-signed head, each proof block
 * flipped, removed, duplicated or moved, every truncation and bit flip of the CAR, wrong roots) is
 * rejected with a typed error — as an object, as a CAR with the claimed record, and as a receipt
 * file; prints how many forgeries were checked.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { decodeReceiptFile, encodeReceiptFile, verifyReceiptFile } from '../../relay/client/receipt-file.js'
import { forgeries } from './forgery-mutations.js'
import { genuineReceipts } from './genuine-receipt.js'
import { assertTypedError } from './typed-errors.js'
import type { TransferReceipt } from '../../accounting/receipt-verify.js'
import type { GenuineReceipts } from './genuine-receipt.js'

type Path = (receipt: TransferReceipt) => unknown

describe('receipt forgeries', () => {
  let genuine: GenuineReceipts
  let object: Path
  let car: Path
  let file: Path
  before(async () => {
    genuine = await genuineReceipts(8)
    const expect = genuine.expect
    object = (r) => verifyReceipt(r, expect)
    car = (r) => verifyReceipt(r.proof, { ...expect, expectedRecord: r.record })
    file = (r) => verifyReceiptFile(decodeReceiptFile(encodeReceiptFile({ v: 1, relay: expect.expectedRelayAddress, receipt: r })))
  })
  after(async () => { await genuine.cleanup() })

  it('the genuine receipts verify on every path', () => {
    for (const receipt of genuine.receipts) {
      for (const path of [object, car, file]) assert.equal((path(receipt) as { ok: boolean }).ok, true)
    }
  })

  it('every forgery is rejected with a typed error on every path', (t) => {
    // seq 4: older heads lack it, newer heads hold it under other HAMT roots, and its proof runs
    // through 16 HAMT levels (identity hash: seqs 0..4 agree on every nibble but the last)
    const target = genuine.receipts[4]
    const others = genuine.receipts.filter((r) => r !== target).map((r) => r.proof)
    const all = forgeries(target, genuine.heads, others)
    const reasons: Record<string, number> = {}
    let verifications = 0
    for (const { name, receipt } of all) {
      // a head changed only in the object leaves the CAR path untouched: that path verifies the CAR;
      // raw CAR damage runs through the two verifiers only (the file path adds an encode per input)
      const raw = name.startsWith('CAR ')
      const paths = receipt.proof === target.proof && receipt.record === target.record ? [object, file] : raw ? [object, car] : [object, car, file]
      for (const path of paths) {
        let rejected: unknown
        try {
          path(receipt)
        } catch (err: unknown) {
          rejected = err
        }
        assert.ok(rejected !== undefined, `forgery accepted: ${name}`)
        assertTypedError(rejected, name)
        const key = `${(rejected as Error).name}${'reason' in (rejected as object) ? `:${String((rejected as { reason: unknown }).reason)}` : ''}`
        reasons[key] = (reasons[key] ?? 0) + 1
        verifications++
      }
    }
    assert.ok(all.length > 5_000, `only ${all.length} forgeries`)
    assert.ok(all.some((f) => f.name === 'blocks 15 and 16 swapped'), 'the proof runs through 16 HAMT levels')
    t.diagnostic(JSON.stringify({ forgeries: all.length, verifications, rejectedAs: reasons }))
  })
})
