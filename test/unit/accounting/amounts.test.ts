// Proves amounts are canonical decimal nanoTAU ≤ 2^63 − 1: every malformed, negative, zero or
// oversized input is rejected by its own error class, and format/parse round-trip exactly.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { checkAmountNanoTau, formatAmountNanoTau, MAX_AMOUNT_NANO_TAU, parseAmountNanoTau } from '../../../accounting/amounts.js'

describe('amounts', () => {
  it('states the maximum as 2^63 − 1 (PostgreSQL bigint)', () => {
    assert.equal(MAX_AMOUNT_NANO_TAU, 9223372036854775807n)
  })

  it('parses canonical decimal strings', () => {
    assert.equal(parseAmountNanoTau('1'), 1n)
    assert.equal(parseAmountNanoTau('1000000000'), 1_000_000_000n)
    assert.equal(parseAmountNanoTau('9223372036854775807'), MAX_AMOUNT_NANO_TAU)
    assert.equal(parseAmountNanoTau('0', 'amount', { allowZero: true }), 0n)
  })

  const rejections: Array<[string, unknown, string]> = [
    ['0', '0', 'AmountZeroError'],
    ['−1', '-1', 'AmountNegativeError'],
    ['2^63', (1n << 63n).toString(), 'AmountExceedsMaximumError'],
    ['2^64', (1n << 64n).toString(), 'AmountExceedsMaximumError'],
    ['2^128', (1n << 128n).toString(), 'AmountExceedsMaximumError'],
    ['a 1,000-digit number', '9'.repeat(1000), 'AmountExceedsMaximumError'],
    ['"007"', '007', 'AmountNotCanonicalError'],
    ['"1.5"', '1.5', 'AmountNotCanonicalError'],
    ['"-0"', '-0', 'AmountNotCanonicalError'],
    ['"+1"', '+1', 'AmountNotCanonicalError'],
    ['"1e3"', '1e3', 'AmountNotCanonicalError'],
    ['" 1"', ' 1', 'AmountNotCanonicalError'],
    ['empty', '', 'AmountNotCanonicalError'],
    ['a JS number', 5, 'AmountNotCanonicalError'],
    ['"0x10"', '0x10', 'AmountNotCanonicalError']
  ]
  for (const [label, input, name] of rejections) {
    it(`rejects ${label} as ${name}`, () => {
      assert.throws(() => parseAmountNanoTau(input, 'amount'), (err: Error & { field?: string, result?: string }) => {
        assert.equal(err.name, name)
        assert.equal(err.field, 'amount')
        assert.equal(typeof err.result, 'string')
        return true
      })
    })
  }

  it('rejects bigint amounts 0, −1, 2^64, 2^128 and a 1,000-digit number by type', () => {
    assert.throws(() => checkAmountNanoTau(0n, 'x'), { name: 'AmountZeroError', result: 'amount_must_not_be_zero' })
    assert.throws(() => checkAmountNanoTau(-1n, 'x'), { name: 'AmountNegativeError', result: 'amount_must_not_be_negative' })
    assert.throws(() => checkAmountNanoTau(1n << 64n, 'x'), { name: 'AmountExceedsMaximumError', result: 'amount_exceeds_maximum' })
    assert.throws(() => checkAmountNanoTau(1n << 128n, 'x'), { name: 'AmountExceedsMaximumError' })
    assert.throws(() => checkAmountNanoTau(10n ** 999n, 'x'), { name: 'AmountExceedsMaximumError' })
    assert.throws(() => checkAmountNanoTau(1.5, 'x'), { name: 'AmountNotCanonicalError' })
  })

  it('round-trips every amount in range through format and parse', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT_NANO_TAU }), (n) => {
      assert.equal(parseAmountNanoTau(formatAmountNanoTau(n), 'amount', { allowZero: true }), n)
    }))
  })

  it('never accepts a string that is not the canonical form of its value', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (text) => {
      let value: bigint
      try {
        value = parseAmountNanoTau(text, 'amount', { allowZero: true })
      } catch (err: unknown) {
        assert.ok(err instanceof Error && err.name.startsWith('Amount'), String(err))
        return
      }
      assert.equal(value.toString(), text)
    }))
  })
})
