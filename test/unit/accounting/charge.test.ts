// Proves the charge of DESIGN.md §5.2: known cases computed by hand, and properties — per-block
// charges sum to the transfer's charge, an independent oracle agrees, the free quota never goes
// negative, more bytes never cost less, and the meter stops before a block that exceeds the hold.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { billableCharge, ChargeMeter, chargeBlocks } from '../../../accounting/charge.js'
import type { Pricing } from '../../../accounting/charge.js'

const MIB = 2 ** 20
const PRICING: Pricing = { perBlockNanoTau: 1000n, perMiBNanoTau: 1_000_000n }

/** Oracle written from the cumulative byte count instead of a running quota. */
function oracle (sizes: number[], pricing: Pricing, quota: number): { charge: bigint, free: number, billable: number } {
  let cumulative = 0
  let charge = 0n
  let free = 0
  let billable = 0
  for (const size of sizes) {
    let bill: number
    if (cumulative + size <= quota) bill = 0
    else if (cumulative < quota) bill = cumulative + size - quota
    else bill = size
    cumulative += size
    free += size - bill
    billable += bill
    if (bill > 0) {
      const num = BigInt(bill) * pricing.perMiBNanoTau
      const denom = BigInt(MIB)
      charge += num / denom + (num % denom === 0n ? 0n : 1n) + pricing.perBlockNanoTau
    }
  }
  return { charge, free, billable }
}

const pricingArb = fc.record({
  perBlockNanoTau: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  perMiBNanoTau: fc.bigInt({ min: 0n, max: 10n ** 12n })
})
const sizesArb = fc.array(fc.integer({ min: 0, max: 4 * MIB }), { maxLength: 40 })
const quotaArb = fc.integer({ min: 0, max: 64 * MIB })

describe('charge', () => {
  it('prices a full MiB at perMiB + perBlock', () => {
    assert.equal(chargeBlocks([MIB], PRICING, 0).chargeNanoTau, 1_001_000n)
  })

  it('rounds a 1-byte block up to one nanoTAU plus perBlock', () => {
    // 1 × 10^6 / 2^20 = 0.95… → 1
    assert.equal(billableCharge(1, PRICING), 1001n)
  })

  it('charges only the part of a block beyond the free quota, then the quota is 0', () => {
    const t = chargeBlocks([60, 60, 10], PRICING, 100)
    // 60 free (40 left); 60 → 40 free + 20 billable = ceil(20e6/2^20)=20 + 1000; 10 → 10 + 1000
    assert.deepEqual(t, { blocks: 3, freeBytes: 100, billableBytes: 30, chargeNanoTau: 1020n + 1010n, freeQuotaRemainingBytes: 0 })
  })

  it('keeps a block that fits exactly free, and the next one billable', () => {
    const t = chargeBlocks([100, 1], PRICING, 100)
    assert.equal(t.freeBytes, 100)
    assert.equal(t.chargeNanoTau, 1001n)
  })

  it('charges nothing when everything fits or nothing is priced', () => {
    assert.equal(chargeBlocks([MIB, MIB], PRICING, 2 * MIB).chargeNanoTau, 0n)
    assert.equal(chargeBlocks([MIB, MIB], { perBlockNanoTau: 0n, perMiBNanoTau: 0n }, 0).chargeNanoTau, 0n)
    assert.equal(chargeBlocks([], PRICING, 0).chargeNanoTau, 0n)
  })

  it('rejects bad sizes and prices by type', () => {
    assert.throws(() => chargeBlocks([-1], PRICING, 0), { name: 'InvalidByteCountError' })
    assert.throws(() => chargeBlocks([1.5], PRICING, 0), { name: 'InvalidByteCountError' })
    assert.throws(() => chargeBlocks([1], PRICING, -1), { name: 'InvalidByteCountError' })
    assert.throws(() => chargeBlocks([1], { perBlockNanoTau: -1n, perMiBNanoTau: 0n }, 0), { name: 'AmountNegativeError' })
    assert.throws(() => new ChargeMeter({ perBlockNanoTau: 0n, perMiBNanoTau: 1n << 64n }, 0), { name: 'AmountExceedsMaximumError' })
  })

  it('sums per-block charges to the charge of the transfer, and agrees with the oracle', () => {
    fc.assert(fc.property(sizesArb, pricingArb, quotaArb, (sizes, pricing, quota) => {
      const meter = new ChargeMeter(pricing, quota)
      let sum = 0n
      for (const size of sizes) sum += meter.add(size).chargeNanoTau
      const whole = chargeBlocks(sizes, pricing, quota)
      assert.equal(sum, whole.chargeNanoTau)
      assert.deepEqual(meter.totals(), whole)
      const o = oracle(sizes, pricing, quota)
      assert.equal(whole.chargeNanoTau, o.charge)
      assert.equal(whole.freeBytes, o.free)
      assert.equal(whole.billableBytes, o.billable)
    }))
  })

  it('never lets the free quota go negative and accounts for every byte', () => {
    fc.assert(fc.property(sizesArb, pricingArb, quotaArb, (sizes, pricing, quota) => {
      const meter = new ChargeMeter(pricing, quota)
      for (const size of sizes) {
        const block = meter.add(size)
        assert.equal(block.freeBytes + block.billableBytes, size)
        assert.ok(meter.totals().freeQuotaRemainingBytes >= 0)
      }
      const t = meter.totals()
      assert.ok(t.freeBytes <= quota)
      assert.equal(t.freeBytes + t.freeQuotaRemainingBytes <= quota, true)
    }))
  })

  it('never charges less for more bytes, more blocks or less free quota', () => {
    fc.assert(fc.property(sizesArb, pricingArb, quotaArb, fc.nat({ max: MIB }), fc.nat(), fc.nat({ max: 64 * MIB }),
      (sizes, pricing, quota, extra, index, less) => {
        const base = chargeBlocks(sizes, pricing, quota).chargeNanoTau
        if (sizes.length > 0) {
          const bigger = sizes.slice()
          bigger[index % bigger.length] += extra
          assert.ok(chargeBlocks(bigger, pricing, quota).chargeNanoTau >= base)
        }
        assert.ok(chargeBlocks([...sizes, extra], pricing, quota).chargeNanoTau >= base)
        assert.ok(chargeBlocks(sizes, pricing, Math.max(0, quota - less)).chargeNanoTau >= base)
      }))
  })

  it('stops before the block that would exceed the hold', () => {
    fc.assert(fc.property(sizesArb, pricingArb, quotaArb, fc.bigInt({ min: 0n, max: 10n ** 13n }), (sizes, pricing, quota, hold) => {
      const meter = new ChargeMeter(pricing, quota)
      for (const size of sizes) {
        const next = meter.price(size).chargeNanoTau
        const exceeds = meter.wouldExceed(size, hold)
        assert.equal(exceeds, meter.totals().chargeNanoTau + next > hold)
        if (exceeds) break
        meter.add(size)
      }
      assert.ok(meter.totals().chargeNanoTau <= hold)
    }))
  })
})
