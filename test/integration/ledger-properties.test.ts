// Proves the ledger's guarantees over random operation sequences on a real database: balances and
// seeding credit never go below zero, an open hold never exceeds what its address can pay, sum of
// balances = credits − charges (against a model and in check()), and no request is charged twice.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createTestLedger, requestId, settlement, testKey } from '../helpers/ledger.js'
import type { Hold } from '../../accounting/ledger-holds.js'

const payers = [testKey('p0'), testKey('p1'), testKey('p2')]

type Op =
  | { kind: 'settlement', payer: number, amount: bigint }
  | { kind: 'seeding', payer: number, amount: bigint }
  | { kind: 'hold', payer: number, maxCharge: bigint, maxFree: number }
  | { kind: 'settle', pick: number, fraction: number, overcharge: boolean }
  | { kind: 'release', pick: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('settlement' as const), payer: fc.nat({ max: 2 }), amount: fc.bigInt({ min: 1n, max: 1000n }) }),
  fc.record({ kind: fc.constant('seeding' as const), payer: fc.nat({ max: 2 }), amount: fc.bigInt({ min: 1n, max: 300n }) }),
  fc.record({ kind: fc.constant('hold' as const), payer: fc.nat({ max: 2 }), maxCharge: fc.bigInt({ min: 0n, max: 600n }), maxFree: fc.nat({ max: 300 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }), overcharge: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() })
)

describe('ledger guarantees over random operations', () => {
  it('hold after every operation and in check()', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
      const t = await createTestLedger({ freeQuotaBytes: 500 })
      try {
        const open: Hold[] = []
        let credits = 0n
        let charges = 0n
        let nonce = 0
        let nextId = 0
        for (const op of ops) {
          if (op.kind === 'settlement') {
            await t.ledger.creditSettlement(settlement(payers[op.payer], op.amount, nonce++))
            credits += op.amount
          } else if (op.kind === 'seeding') {
            await t.ledger.creditSeeding({ address: payers[op.payer].address, amountNanoTau: op.amount })
            credits += op.amount
          } else if (op.kind === 'hold') {
            try {
              open.push(await t.ledger.openHold({ requestId: requestId(nextId++), payer: payers[op.payer].address, maxChargeNanoTau: op.maxCharge, maxFreeBytes: op.maxFree }))
            } catch (err: unknown) {
              assert.equal((err as Error).name, 'ExceedsBalanceError')
            }
          } else if (open.length > 0) {
            const [hold] = open.splice(op.pick % open.length, 1)
            if (op.kind === 'release') {
              await t.ledger.releaseHold(hold.requestId)
            } else if (op.overcharge) {
              await assert.rejects(t.ledger.settle({ requestId: hold.requestId, chargeNanoTau: hold.heldNanoTau + 1n, freeBytesUsed: 0, billableBytes: 1 }), { name: 'ChargeExceedsHoldError' })
              open.push(hold)
            } else {
              // fraction is a test input, not accounting: the ledger only sees the bigint result
              const charge = BigInt(Math.floor(Number(hold.heldNanoTau) * op.fraction))
              const args = { requestId: hold.requestId, chargeNanoTau: charge, freeBytesUsed: Math.floor(hold.heldFreeBytes * op.fraction), billableBytes: 1 }
              await t.ledger.settle(args)
              await t.ledger.settle(args) // the retry is not charged again
              charges += charge
            }
          }
          let sum = 0n
          for (const payer of payers) {
            const a = await t.ledger.account(payer.address)
            if (a === undefined) continue
            assert.ok(a.balanceNanoTau >= 0n && a.seedingCreditNanoTau >= 0n)
            assert.ok(a.heldNanoTau <= a.balanceNanoTau + a.seedingCreditNanoTau)
            assert.ok(a.freeQuotaUsedBytes + a.heldFreeBytes <= a.freeQuotaBytes)
            sum += a.balanceNanoTau + a.seedingCreditNanoTau
          }
          assert.equal(sum, credits - charges)
        }
        const report = await t.ledger.check()
        assert.deepEqual(report.violations, [])
        assert.equal(report.totals.chargesNanoTau, charges)
        assert.equal(report.totals.openHolds, open.length)
      } finally {
        await t.cleanup()
      }
    }), { numRuns: 25 })
  })
})
