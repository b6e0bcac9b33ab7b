/**
 * Proves the downloader's spend accounting: whatever the order of reservations and settlements
 * (receipts below the price, syncs that ended without a receipt), what is charged plus what could
 * have been charged never exceeds the cap, in a route account or the total (property-tested).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { reserve, settle, SpendAccount } from '../../../../relay/downloader/spend.js'

describe('spend caps', () => {
  it('never lets charged + unreceipted holds + reserved exceed the cap', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 0n, max: 10_000n }),
      fc.array(fc.record({ price: fc.bigInt({ min: 0n, max: 3_000n }), outcome: fc.oneof(fc.constant(undefined), fc.double({ min: 0, max: 1, noNaN: true })) }), { maxLength: 40 }),
      (cap, syncs) => {
        const route = new SpendAccount(cap)
        const total = new SpendAccount(cap * 2n)
        for (const { price, outcome } of syncs) {
          if (!reserve([route, total], price)) {
            assert.ok(!route.fits(price) || !total.fits(price))
            continue
          }
          assert.ok(route.spent + route.reserved <= cap)
          const charge = outcome === undefined ? undefined : price * BigInt(Math.floor(outcome * 1000)) / 1000n
          settle([route, total], price, charge)
          assert.ok(route.spent <= cap, `spent ${route.spent} > cap ${cap}`)
          assert.equal(route.reserved, 0n)
        }
      }))
  })

  it('an uncapped account fits anything', () => {
    const open = new SpendAccount(undefined)
    assert.equal(reserve([open], 10n ** 18n), true)
    assert.equal(open.left, undefined)
  })
})
