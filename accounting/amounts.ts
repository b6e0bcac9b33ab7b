/**
 * Amounts (DESIGN.md §5.1): integers of nanoTAU (1 TAU = 10^9 nanoTAU), `bigint` in code and
 * canonical decimal strings in JSON and on the command line. No floats anywhere in accounting.
 */
import { AmountExceedsMaximumError, AmountNegativeError, AmountNotCanonicalError, AmountZeroError } from './errors.js'

/**
 * Largest amount the ledger stores: 2^63 − 1, the largest PostgreSQL `bigint`, so the planned
 * PostgreSQL backend (DESIGN.md §8) can hold every value this one accepts. ≈ 9.2 · 10^9 TAU.
 */
export const MAX_AMOUNT_NANO_TAU = (1n << 63n) - 1n

/** nanoTAU in one TAU. */
export const NANO_TAU_PER_TAU = 1_000_000_000n

/** Digits of `MAX_AMOUNT_NANO_TAU`; a longer text is rejected before any big-number parse. */
export const MAX_AMOUNT_DIGITS = MAX_AMOUNT_NANO_TAU.toString().length

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/

/** Options of an amount check. */
export interface AmountOptions {
  /** Whether 0 is accepted (a hold or charge may be zero; a credit may not). @default false */
  allowZero?: boolean
}

/** Checks a bigint amount: integer, not negative, not zero unless allowed, ≤ MAX_AMOUNT_NANO_TAU. */
export function checkAmountNanoTau (value: unknown, field: string, options: AmountOptions = {}): bigint {
  if (typeof value !== 'bigint') throw new AmountNotCanonicalError(field, `${field} must be a bigint of nanoTAU`)
  if (value < 0n) throw new AmountNegativeError(field)
  if (value === 0n && options.allowZero !== true) throw new AmountZeroError(field)
  if (value > MAX_AMOUNT_NANO_TAU) throw new AmountExceedsMaximumError(field, MAX_AMOUNT_NANO_TAU)
  return value
}

/**
 * Parses a canonical decimal string of nanoTAU: digits only, no sign, no point, no exponent, no
 * leading zeros except "0" itself, ≤ MAX_AMOUNT_NANO_TAU. A leading "-" followed by digits is
 * reported as negative (the clearer message), everything else non-canonical as not canonical.
 */
export function parseAmountNanoTau (text: unknown, field = 'amount', options: AmountOptions = {}): bigint {
  if (typeof text !== 'string') throw new AmountNotCanonicalError(field, `${field} must be a decimal string`)
  if (text.startsWith('-') && CANONICAL_DECIMAL.test(text.slice(1)) && text !== '-0') throw new AmountNegativeError(field)
  if (!CANONICAL_DECIMAL.test(text)) throw new AmountNotCanonicalError(field)
  // a canonical number with more digits than the maximum is larger than it: no need to parse it
  if (text.length > MAX_AMOUNT_DIGITS) throw new AmountExceedsMaximumError(field, MAX_AMOUNT_NANO_TAU)
  return checkAmountNanoTau(BigInt(text), field, options)
}

/** Formats an amount as its canonical decimal string (the inverse of `parseAmountNanoTau`). */
export function formatAmountNanoTau (value: bigint): string {
  return checkAmountNanoTau(value, 'amount', { allowZero: true }).toString()
}

/** Adds two amounts, or returns undefined when the sum would exceed MAX_AMOUNT_NANO_TAU. */
export function addAmounts (a: bigint, b: bigint): bigint | undefined {
  const sum = a + b
  return sum > MAX_AMOUNT_NANO_TAU ? undefined : sum
}
