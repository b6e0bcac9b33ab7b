// Proves, on each backend (classic-level and PostgreSQL), each named ledger rejection is raised by
// its own error class with its `result`, and that the stored state is unchanged after it (a full
// dump of the key space, or of every table, before and after).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LEDGER_RESULTS } from '../../accounting/errors.js'
import { MAX_AMOUNT_NANO_TAU, parseAmountNanoTau } from '../../accounting/amounts.js'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { LEDGER_BACKENDS, stopLedgerBackends } from '../helpers/ledger-backends.js'
import type { BackendLedger } from '../helpers/ledger-backends.js'

const alice = testKey('alice')
const carol = testKey('carol')

after(async () => { await stopLedgerBackends() })

for (const backend of LEDGER_BACKENDS) {
  describe(`ledger rejections leave the ledger unchanged (${backend.name})`, () => {
    let t: BackendLedger
    before(async () => {
      t = await backend.create({ freeQuotaBytes: 0 })
      await t.ledger.creditSettlement(settlement(alice, 100n))
      await t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 40n, maxFreeBytes: 0 })
      await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 10n })
      await t.ledger.settle({ requestId: requestId(2), chargeNanoTau: 10n, freeBytesUsed: 0, billableBytes: 10 })
    })
    after(async () => { await t.cleanup() })

    async function rejects (op: () => Promise<unknown>, name: string, result: string, context: Record<string, unknown> = {}): Promise<void> {
      const before = await t.dump()
      await assert.rejects(op(), { name, result, ...context })
      assert.deepEqual(await t.dump(), before, `${name} changed the ledger`)
    }

    it('lists results in precedence order with the issue names', () => {
      for (const name of ['amount_must_not_be_zero', 'exceeds_balance', 'request_id_reused']) assert.ok(LEDGER_RESULTS.includes(name as never))
      assert.ok(LEDGER_RESULTS.indexOf('amount_must_not_be_zero') < LEDGER_RESULTS.indexOf('request_id_reused'))
      assert.ok(LEDGER_RESULTS.indexOf('request_id_reused') < LEDGER_RESULTS.indexOf('exceeds_balance'))
    })

    it('request_id_must_be_16_bytes', async () => {
      await rejects(async () => t.ledger.openHold({ requestId: new Uint8Array(15), payer: alice.address, maxChargeNanoTau: 1n }), 'InvalidRequestIdError', 'request_id_must_be_16_bytes')
      await rejects(async () => t.ledger.settle({ requestId: new Uint8Array(17), chargeNanoTau: 1n, freeBytesUsed: 0, billableBytes: 0 }), 'InvalidRequestIdError', 'request_id_must_be_16_bytes')
    })

    it('address_must_be_20_bytes', async () => {
      await rejects(async () => t.ledger.openHold({ requestId: requestId(9), payer: new Uint8Array(21), maxChargeNanoTau: 1n }), 'InvalidAccountAddressError', 'address_must_be_20_bytes', { field: 'payer' })
      await rejects(async () => t.ledger.creditSeeding({ address: new Uint8Array(0), amountNanoTau: 1n }), 'InvalidAccountAddressError', 'address_must_be_20_bytes')
    })

    it('byte_count_must_be_safe_integer', async () => {
      await rejects(async () => t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 1n, freeBytesUsed: -1, billableBytes: 0 }), 'InvalidByteCountError', 'byte_count_must_be_safe_integer', { field: 'freeBytesUsed' })
      await rejects(async () => t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 1n, freeBytesUsed: 0, billableBytes: 2 ** 53 }), 'InvalidByteCountError', 'byte_count_must_be_safe_integer')
    })

    it('amount inputs 0, −1, 2^64, 2^128, a 1,000-digit number, "007", "1.5" are rejected by type', async () => {
      const credit = (amountNanoTau: unknown) => async () => t.ledger.creditSeeding({ address: alice.address, amountNanoTau: amountNanoTau as bigint })
      await rejects(credit(0n), 'AmountZeroError', 'amount_must_not_be_zero')
      await rejects(credit(-1n), 'AmountNegativeError', 'amount_must_not_be_negative')
      await rejects(credit(1n << 64n), 'AmountExceedsMaximumError', 'amount_exceeds_maximum')
      await rejects(credit(1n << 128n), 'AmountExceedsMaximumError', 'amount_exceeds_maximum')
      await rejects(credit(10n ** 999n), 'AmountExceedsMaximumError', 'amount_exceeds_maximum')
      await rejects(credit('007'), 'AmountNotCanonicalError', 'amount_must_be_canonical_decimal')
      await rejects(credit(1.5), 'AmountNotCanonicalError', 'amount_must_be_canonical_decimal')
      // the text path (CLI, admin API) parses first, with the same classes
      const texts: Array<[string, string, string]> = [
        ['0', 'AmountZeroError', 'amount_must_not_be_zero'],
        ['-1', 'AmountNegativeError', 'amount_must_not_be_negative'],
        [(1n << 64n).toString(), 'AmountExceedsMaximumError', 'amount_exceeds_maximum'],
        [(1n << 128n).toString(), 'AmountExceedsMaximumError', 'amount_exceeds_maximum'],
        ['1'.repeat(1000), 'AmountExceedsMaximumError', 'amount_exceeds_maximum'],
        ['007', 'AmountNotCanonicalError', 'amount_must_be_canonical_decimal'],
        ['1.5', 'AmountNotCanonicalError', 'amount_must_be_canonical_decimal']
      ]
      for (const [text, name, result] of texts) {
        await rejects(async () => t.ledger.creditSeeding({ address: alice.address, amountNanoTau: parseAmountNanoTau(text) }), name, result)
      }
      await rejects(async () => t.ledger.openHold({ requestId: requestId(9), payer: alice.address, maxChargeNanoTau: -5n }), 'AmountNegativeError', 'amount_must_not_be_negative')
    })

    it('settlement_malformed, settlement_signature_invalid, settlement_not_to_operator, settlement_nonce_reused', async () => {
      await rejects(async () => t.ledger.creditSettlement(new Uint8Array([1, 2, 3])), 'MalformedSettlementError', 'settlement_malformed')
      const forged = { ...settlement(alice, 1000n, 1), from: carol.address }
      await rejects(async () => t.ledger.creditSettlement(forged), 'SettlementSignatureError', 'settlement_signature_invalid')
      const elsewhere = signSettlementTx(alice.privateKey, { v: 1, from: alice.address, to: carol.address, amountNanoTau: 5n, nonce: 2, tsMs: 0 })
      await rejects(async () => t.ledger.creditSettlement(elsewhere), 'SettlementNotToOperatorError', 'settlement_not_to_operator')
      // nonce 0 was used by the 100 nanoTAU settlement in before()
      await rejects(async () => t.ledger.creditSettlement(settlement(alice, 7n, 0)), 'SettlementNonceReusedError', 'settlement_nonce_reused', { nonce: 0 })
    })

    it('request_id_reused', async () => {
      // a different payer, then a different amount, under an open hold's id
      await rejects(async () => t.ledger.openHold({ requestId: requestId(1), payer: carol.address, maxChargeNanoTau: 40n, maxFreeBytes: 0 }), 'RequestIdReusedError', 'request_id_reused')
      await rejects(async () => t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 41n, maxFreeBytes: 0 }), 'RequestIdReusedError', 'request_id_reused')
      // a settled id: a new hold, a different settle, a release
      await rejects(async () => t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 10n }), 'RequestIdReusedError', 'request_id_reused')
      await rejects(async () => t.ledger.settle({ requestId: requestId(2), chargeNanoTau: 9n, freeBytesUsed: 0, billableBytes: 10 }), 'RequestIdReusedError', 'request_id_reused')
      await rejects(async () => t.ledger.releaseHold(requestId(2)), 'RequestIdReusedError', 'request_id_reused')
    })

    it('hold_not_found', async () => {
      await rejects(async () => t.ledger.settle({ requestId: requestId(77), chargeNanoTau: 1n, freeBytesUsed: 0, billableBytes: 1 }), 'HoldNotFoundError', 'hold_not_found')
      await rejects(async () => t.ledger.releaseHold(requestId(78)), 'HoldNotFoundError', 'hold_not_found')
    })

    it('charge_exceeds_hold and free_bytes_exceed_hold', async () => {
      await rejects(async () => t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 41n, freeBytesUsed: 0, billableBytes: 1 }), 'ChargeExceedsHoldError', 'charge_exceeds_hold', { requiredNanoTau: 41n, heldNanoTau: 40n })
      await rejects(async () => t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 1n, freeBytesUsed: 1, billableBytes: 1 }), 'FreeBytesExceedHoldError', 'free_bytes_exceed_hold')
    })

    it('exceeds_balance', async () => {
      // 100 credited − 10 charged − 40 held = 50 available
      await t.ledger.openHold({ requestId: requestId(3), payer: alice.address, maxChargeNanoTau: 50n })
      await rejects(async () => t.ledger.openHold({ requestId: requestId(4), payer: alice.address, maxChargeNanoTau: 1n }), 'ExceedsBalanceError', 'exceeds_balance', { requiredNanoTau: 1n, availableNanoTau: 0n })
      await rejects(async () => t.ledger.openHold({ requestId: requestId(5), payer: carol.address, maxChargeNanoTau: 1n }), 'ExceedsBalanceError', 'exceeds_balance')
    })

    it('overflows_maximum, checked before any write', async () => {
      await t.ledger.creditSeeding({ address: carol.address, amountNanoTau: MAX_AMOUNT_NANO_TAU })
      await rejects(async () => t.ledger.creditSeeding({ address: carol.address, amountNanoTau: 1n }), 'AmountOverflowError', 'overflows_maximum', { field: 'seedingCreditNanoTau' })
    })

    it('still balances after every rejection', async () => {
      assert.deepEqual((await t.ledger.check()).violations, [])
    })
  })
}
