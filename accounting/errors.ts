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

// ── storage ──────────────────────────────────────────────────────────────────────────────

/**
 * The database could not write or read: the disk is full, a quota was hit, or I/O failed
 * (classic-level's `LEVEL_IO_ERROR` and friends). The failed batch changed nothing; LevelDB keeps
 * refusing writes until the database is reopened with space freed. `storageCode` is classic-level's code.
 */
export class LedgerStorageError extends Error {
  static name = 'LedgerStorageError'
  readonly storageCode: string

  constructor (storageCode: string, message = `ledger storage failed: ${storageCode}`, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LedgerStorageError'
    this.storageCode = storageCode
  }
}

/**
 * A shared ledger's database (PostgreSQL) could not be reached or dropped the connection. When
 * `outcomeUnknown` is false nothing was written; when true the connection died during COMMIT and
 * the write may have landed (the node's fleet reconcile settles which). `dbCode` is the driver's or
 * server's code (`ECONNREFUSED`, `57P01`, …).
 */
export class LedgerUnavailableError extends Error {
  static name = 'LedgerUnavailableError'
  readonly dbCode: string
  readonly outcomeUnknown: boolean

  constructor (dbCode: string, outcomeUnknown: boolean, message = `ledger database unavailable: ${dbCode}`, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LedgerUnavailableError'
    this.dbCode = dbCode
    this.outcomeUnknown = outcomeUnknown
  }
}

// ── transfer log ─────────────────────────────────────────────────────────────────────────

/** A transfer record whose fields disagree with the settle it is logged with; `field` names which. */
export class TransferRecordMismatchError extends Error {
  static name = 'TransferRecordMismatchError'
  readonly field: string

  constructor (field: string, message = `transfer record does not match its settle at ${field}`) {
    super(message)
    this.name = 'TransferRecordMismatchError'
    this.field = field
  }
}

/** `commit(record)` for a record with no pending entry: its settle never committed, or it is logged already. */
export class TransferRecordNotPendingError extends Error {
  static name = 'TransferRecordNotPendingError'
  readonly requestId: string

  constructor (requestId: string, message = `no pending transfer record for request ${requestId}`) {
    super(message)
    this.name = 'TransferRecordNotPendingError'
    this.requestId = requestId
  }
}

/** A group commit failed; the records stay pending and are committed by a later commit or on restart. */
export class LogCommitFailedError extends Error {
  static name = 'LogCommitFailedError'
  readonly records: number

  constructor (records: number, message = `transfer log commit of ${records} records failed`, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogCommitFailedError'
    this.records = records
  }
}

/** The transfer log is not started (or is stopping) and takes no new commits. */
export class TransferLogNotRunningError extends Error {
  static name = 'TransferLogNotRunningError'

  constructor (message = 'transfer log is not running') {
    super(message)
    this.name = 'TransferLogNotRunningError'
  }
}

/** More records waiting for a commit than the bound allows; the caller should back off. */
export class TransferLogBusyError extends Error {
  static name = 'TransferLogBusyError'
  readonly maxQueued: number

  constructor (maxQueued: number, message = `transfer log busy: more than ${maxQueued} records queued`) {
    super(message)
    this.name = 'TransferLogBusyError'
    this.maxQueued = maxQueued
  }
}

/** A stored log value (meta, head, block, pending record) that does not decode or does not agree: the log is damaged. */
export class TransferLogCorruptError extends Error {
  static name = 'TransferLogCorruptError'
  readonly reason: string

  constructor (reason: string, message = `corrupt transfer log: ${reason}`) {
    super(message)
    this.name = 'TransferLogCorruptError'
    this.reason = reason
  }
}

/** Why a receipt does not verify. */
export type InvalidReceiptReason = 'malformed_car' | 'wrong_roots' | 'head_block_missing' | 'head_mismatch' | 'bad_head' |
  'bad_signature' | 'proof_invalid' | 'record_absent' | 'record_malformed' | 'record_mismatch' | 'seq_out_of_range'

/** A receipt (record, signed head, inclusion proof) that does not prove what it claims; `reason` says why. */
export class InvalidReceiptError extends Error {
  static name = 'InvalidReceiptError'
  readonly reason: InvalidReceiptReason

  constructor (reason: InvalidReceiptReason, message = `invalid receipt: ${reason}`) {
    super(message)
    this.name = 'InvalidReceiptError'
    this.reason = reason
  }
}

/** Consecutive log heads that do not chain: `index` is the position of the first bad head. */
export class LogChainBrokenError extends Error {
  static name = 'LogChainBrokenError'
  readonly index: number
  readonly reason: string

  constructor (index: number, reason: string, message = `log chain broken at head ${index}: ${reason}`) {
    super(message)
    this.name = 'LogChainBrokenError'
    this.index = index
    this.reason = reason
  }
}

// ── policy store ─────────────────────────────────────────────────────────────────────────

/** No policy is in effect (none published, or none valid yet at the time asked). */
export class NoCurrentPolicyError extends Error {
  static name = 'NoCurrentPolicyError'
  readonly nowMs: number

  constructor (nowMs: number, message = `no policy in effect at ${nowMs}`) {
    super(message)
    this.name = 'NoCurrentPolicyError'
    this.nowMs = nowMs
  }
}

/** A policy document signed for another TAU address than this relay's operator. */
export class PolicyOperatorMismatchError extends Error {
  static name = 'PolicyOperatorMismatchError'
  readonly address: string

  constructor (address: string, message = `policy is signed by ${address}, not by this relay's operator`) {
    super(message)
    this.name = 'PolicyOperatorMismatchError'
    this.address = address
  }
}
