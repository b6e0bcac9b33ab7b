/**
 * Typed errors of the accounting layer. Every ledger rejection is a `LedgerRejectedError` whose
 * `result` names the failed predicate (TigerBeetle style); `LEDGER_RESULTS` lists them in the order
 * the checks run, so when a request breaks several rules the first one in this list is reported.
 * A rejection never changes the ledger. Identify errors by `.name` or `instanceof`, never by message.
 */

/** Ledger results in precedence order: input shape, then amounts, then state, then funds. */
export const LEDGER_RESULTS = [
  'request_id_must_be_16_bytes',
  'address_must_be_20_bytes',
  'byte_count_must_be_safe_integer',
  'settlement_malformed',
  'amount_must_be_canonical_decimal',
  'amount_must_not_be_negative',
  'amount_must_not_be_zero',
  'amount_exceeds_maximum',
  'settlement_signature_invalid',
  'settlement_not_to_operator',
  'settlement_nonce_reused',
  'request_id_reused',
  'hold_not_found',
  'charge_exceeds_hold',
  'free_bytes_exceed_hold',
  'exceeds_balance',
  'overflows_maximum'
] as const

/** One ledger result name. */
export type LedgerResult = typeof LEDGER_RESULTS[number]

/** Base class of every ledger rejection; `result` names which predicate failed. */
export class LedgerRejectedError extends Error {
  static name = 'LedgerRejectedError'
  readonly result: LedgerResult

  constructor (result: LedgerResult, message = `ledger rejected: ${result}`) {
    super(message)
    this.name = 'LedgerRejectedError'
    this.result = result
  }
}

/** A request id that is not 16 bytes. */
export class InvalidRequestIdError extends LedgerRejectedError {
  static name = 'InvalidRequestIdError'

  constructor (message = 'request id must be 16 bytes') {
    super('request_id_must_be_16_bytes', message)
    this.name = 'InvalidRequestIdError'
  }
}

/** An account address that is not 20 bytes; `field` names the argument. */
export class InvalidAccountAddressError extends LedgerRejectedError {
  static name = 'InvalidAccountAddressError'
  readonly field: string

  constructor (field: string, message = `${field} must be a 20-byte TAU address`) {
    super('address_must_be_20_bytes', message)
    this.name = 'InvalidAccountAddressError'
    this.field = field
  }
}

/** A byte count that is not a non-negative safe integer; `field` names the argument. */
export class InvalidByteCountError extends LedgerRejectedError {
  static name = 'InvalidByteCountError'
  readonly field: string

  constructor (field: string, message = `${field} must be a non-negative safe integer`) {
    super('byte_count_must_be_safe_integer', message)
    this.name = 'InvalidByteCountError'
    this.field = field
  }
}

/** An amount text that is not canonical decimal digits (sign, point, leading zero, other characters). */
export class AmountNotCanonicalError extends LedgerRejectedError {
  static name = 'AmountNotCanonicalError'
  readonly field: string

  constructor (field: string, message = `${field} must be canonical decimal digits of nanoTAU`) {
    super('amount_must_be_canonical_decimal', message)
    this.name = 'AmountNotCanonicalError'
    this.field = field
  }
}

/** A negative amount. */
export class AmountNegativeError extends LedgerRejectedError {
  static name = 'AmountNegativeError'
  readonly field: string

  constructor (field: string, message = `${field} must not be negative`) {
    super('amount_must_not_be_negative', message)
    this.name = 'AmountNegativeError'
    this.field = field
  }
}

/** A zero amount where only a positive one means anything (a credit of nothing). */
export class AmountZeroError extends LedgerRejectedError {
  static name = 'AmountZeroError'
  readonly field: string

  constructor (field: string, message = `${field} must not be zero`) {
    super('amount_must_not_be_zero', message)
    this.name = 'AmountZeroError'
    this.field = field
  }
}

/** An amount above `MAX_AMOUNT_NANO_TAU`. */
export class AmountExceedsMaximumError extends LedgerRejectedError {
  static name = 'AmountExceedsMaximumError'
  readonly field: string
  readonly maxNanoTau: bigint

  constructor (field: string, maxNanoTau: bigint, message = `${field} exceeds the maximum of ${maxNanoTau} nanoTAU`) {
    super('amount_exceeds_maximum', message)
    this.name = 'AmountExceedsMaximumError'
    this.field = field
    this.maxNanoTau = maxNanoTau
  }
}

/** A settlement transaction that does not have the expected shape; `field` names where. */
export class MalformedSettlementError extends LedgerRejectedError {
  static name = 'MalformedSettlementError'
  readonly field: string

  constructor (field: string, message = `malformed settlement transaction (at ${field})`) {
    super('settlement_malformed', message)
    this.name = 'MalformedSettlementError'
    this.field = field
  }
}

/** A settlement transaction whose signature does not recover its `from` address. */
export class SettlementSignatureError extends LedgerRejectedError {
  static name = 'SettlementSignatureError'
  readonly reason: string

  constructor (reason: string, message = `settlement signature invalid: ${reason}`) {
    super('settlement_signature_invalid', message)
    this.name = 'SettlementSignatureError'
    this.reason = reason
  }
}

/** A settlement transaction paid to someone other than this ledger's operator. */
export class SettlementNotToOperatorError extends LedgerRejectedError {
  static name = 'SettlementNotToOperatorError'

  constructor (message = 'settlement is not paid to the operator address') {
    super('settlement_not_to_operator', message)
    this.name = 'SettlementNotToOperatorError'
  }
}

/** A second, different settlement transaction with a (from, nonce) pair already imported. */
export class SettlementNonceReusedError extends LedgerRejectedError {
  static name = 'SettlementNonceReusedError'
  readonly nonce: number

  constructor (nonce: number, message = `settlement nonce ${nonce} already used by another transaction`) {
    super('settlement_nonce_reused', message)
    this.name = 'SettlementNonceReusedError'
    this.nonce = nonce
  }
}

/** A request id already used by a different request (other payer, other amounts, or already closed). */
export class RequestIdReusedError extends LedgerRejectedError {
  static name = 'RequestIdReusedError'
  readonly requestId: string

  constructor (requestId: string, message = `request id ${requestId} was already used by a different request`) {
    super('request_id_reused', message)
    this.name = 'RequestIdReusedError'
    this.requestId = requestId
  }
}

/** Settle or release of a request id that has no hold. */
export class HoldNotFoundError extends LedgerRejectedError {
  static name = 'HoldNotFoundError'
  readonly requestId: string

  constructor (requestId: string, message = `no hold for request id ${requestId}`) {
    super('hold_not_found', message)
    this.name = 'HoldNotFoundError'
    this.requestId = requestId
  }
}

/** A settle whose charge is more than the hold. */
export class ChargeExceedsHoldError extends LedgerRejectedError {
  static name = 'ChargeExceedsHoldError'
  readonly requiredNanoTau: bigint
  readonly heldNanoTau: bigint

  constructor (requiredNanoTau: bigint, heldNanoTau: bigint, message = `charge of ${requiredNanoTau} exceeds the hold of ${heldNanoTau} nanoTAU`) {
    super('charge_exceeds_hold', message)
    this.name = 'ChargeExceedsHoldError'
    this.requiredNanoTau = requiredNanoTau
    this.heldNanoTau = heldNanoTau
  }
}

/** A settle that uses more free-quota bytes than the hold reserved. */
export class FreeBytesExceedHoldError extends LedgerRejectedError {
  static name = 'FreeBytesExceedHoldError'
  readonly requiredBytes: number
  readonly heldBytes: number

  constructor (requiredBytes: number, heldBytes: number, message = `${requiredBytes} free bytes exceed the ${heldBytes} held`) {
    super('free_bytes_exceed_hold', message)
    this.name = 'FreeBytesExceedHoldError'
    this.requiredBytes = requiredBytes
    this.heldBytes = heldBytes
  }
}

/** A hold that the address cannot pay any part of: no spendable nanoTAU and no free quota left. */
export class ExceedsBalanceError extends LedgerRejectedError {
  static name = 'ExceedsBalanceError'
  readonly address: string
  readonly requiredNanoTau: bigint
  readonly availableNanoTau: bigint

  constructor (address: string, requiredNanoTau: bigint, availableNanoTau: bigint, message = `${address} has ${availableNanoTau} nanoTAU available, ${requiredNanoTau} required`) {
    super('exceeds_balance', message)
    this.name = 'ExceedsBalanceError'
    this.address = address
    this.requiredNanoTau = requiredNanoTau
    this.availableNanoTau = availableNanoTau
  }
}

/** A credit that would push a stored amount above `MAX_AMOUNT_NANO_TAU`; `field` names which one. */
export class AmountOverflowError extends LedgerRejectedError {
  static name = 'AmountOverflowError'
  readonly address: string
  readonly field: string

  constructor (address: string, field: string, message = `${field} of ${address} would exceed the maximum amount`) {
    super('overflows_maximum', message)
    this.name = 'AmountOverflowError'
    this.address = address
    this.field = field
  }
}

/** More ledger operations waiting than the queue bound allows; the caller should back off. */
export class LedgerBusyError extends Error {
  static name = 'LedgerBusyError'
  readonly maxQueued: number

  constructor (maxQueued: number, message = `ledger busy: more than ${maxQueued} operations queued`) {
    super(message)
    this.name = 'LedgerBusyError'
    this.maxQueued = maxQueued
  }
}

/** A stored ledger value that does not decode to its record type: the database is damaged. */
export class LedgerCorruptError extends Error {
  static name = 'LedgerCorruptError'
  readonly key: string
  readonly reason: string

  constructor (key: string, reason: string, message = `corrupt ledger value at ${key}: ${reason}`) {
    super(message)
    this.name = 'LedgerCorruptError'
    this.key = key
    this.reason = reason
  }
}

/** A statement request that would list more entries than the bound. */
export class StatementTooLargeError extends Error {
  static name = 'StatementTooLargeError'
  readonly maxEntries: number

  constructor (maxEntries: number, message = `statement would list more than ${maxEntries} entries; narrow the time range`) {
    super(message)
    this.name = 'StatementTooLargeError'
    this.maxEntries = maxEntries
  }
}
