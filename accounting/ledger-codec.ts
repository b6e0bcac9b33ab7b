/**
 * Records stored by the ledger (layouts in ledger-keys.ts) and their DAG-CBOR codec. Decoding is
 * bounded (decodeDagCborBounded) and strict: a value that is not exactly its record type is a
 * `LedgerCorruptError` naming the key, so damage on disk is reported instead of computed with.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { toString as bytesToString } from 'uint8arrays/to-string'
import { decodeDagCborBounded } from '../protocol/dag-cbor-bounded.js'
import { LedgerCorruptError } from './errors.js'
import { MAX_AMOUNT_NANO_TAU } from './amounts.js'

/** Limits for ledger values: records are small; a settlement record holds one signed transaction. */
const RECORD_LIMITS = { maxBytes: 64 * 1024, maxDepth: 8, maxItems: 256 }

/** State of one address. Amounts in nanoTAU, sizes in bytes, times in ms since the epoch. */
export interface AccountRecord {
  balanceNanoTau: bigint
  seedingCreditNanoTau: bigint
  /** Sum of this address's open holds. */
  heldNanoTau: bigint
  /** Free-quota bytes reserved by this address's open holds. */
  heldFreeBytes: number
  /** Free quota granted for the current period. */
  freeQuotaBytes: number
  freeQuotaUsedBytes: number
  freeQuotaPeriodStartMs: number
  /** Lifetime settlement credits. */
  creditedNanoTau: bigint
  /** Lifetime seeding credits. */
  seededNanoTau: bigint
  /** Lifetime charges. */
  chargedNanoTau: bigint
  freeBytesTotal: number
  billableBytesTotal: number
  /** Settled requests. */
  settledCount: number
  createdMs: number
}

/** An open hold of one request. */
export interface HoldRecord {
  payer: Uint8Array
  heldNanoTau: bigint
  heldFreeBytes: number
  /** What the request asked for, to recognise a retry of the same request. */
  maxChargeNanoTau: bigint
  maxFreeBytes: number
  openedMs: number
}

/** How a request ended. */
export interface OutcomeRecord {
  payer: Uint8Array
  status: 'settled' | 'released'
  chargeNanoTau: bigint
  /** Part of the charge paid from seeding credit (the rest came from the balance). */
  fromSeedingNanoTau: bigint
  freeBytes: number
  billableBytes: number
  /** Journal seq of the charge; -1 for a released hold (nothing charged, nothing journaled). */
  journalSeq: number
  closedMs: number
}

/** An imported settlement transaction. */
export interface SettlementRecord {
  /** The signed transaction as imported (DAG-CBOR); its sha2-256 is the txid. */
  tx: Uint8Array
  journalSeq: number
  importedMs: number
}

/** Kinds of journal entry: two credits and one debit. */
export type JournalKind = 'settlement' | 'seeding' | 'charge'

/** One credit or debit. */
export interface JournalEntry {
  kind: JournalKind
  address: Uint8Array
  amountNanoTau: bigint
  /** For a charge: the part paid from seeding credit; 0 otherwise. */
  fromSeedingNanoTau: bigint
  /** txid of a settlement, request id of a charge or of the sync a seeding credit was earned in (empty for a direct credit). */
  ref: Uint8Array
  freeBytes: number
  billableBytes: number
  tsMs: number
}

/** Encodes any record. */
export function encodeRecord (record: AccountRecord | HoldRecord | OutcomeRecord | SettlementRecord | JournalEntry | number): Uint8Array {
  return dagCbor.encode(record)
}

class Fields {
  constructor (private readonly key: string, private readonly map: Record<string, unknown>) {}

  fail (reason: string): never {
    throw new LedgerCorruptError(this.key, reason)
  }

  amount (name: string): bigint {
    const v = this.map[name]
    const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v
    if (typeof n !== 'bigint' || n < 0n || n > MAX_AMOUNT_NANO_TAU) this.fail(`${name} is not an amount`)
    return n
  }

  uint (name: string, allowMinusOne = false): number {
    const v = this.map[name]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (allowMinusOne ? -1 : 0)) this.fail(`${name} is not a safe unsigned integer`)
    return v
  }

  bytes (name: string, length?: number): Uint8Array {
    const v = this.map[name]
    if (!(v instanceof Uint8Array) || (length !== undefined && v.length !== length)) this.fail(`${name} is not ${length ?? ''} bytes`)
    return v
  }

  oneOf<T extends string> (name: string, values: readonly T[]): T {
    const v = this.map[name]
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(`${name} is not one of ${values.join(', ')}`)
    return v as T
  }

  done (expected: number): void {
    if (Object.keys(this.map).length !== expected) this.fail('unexpected fields')
  }
}

/** A plain Uint8Array view of `bytes`: classic-level hands out Buffers, callers expect Uint8Arrays. */
export function plainBytes (bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function open (key: Uint8Array, bytes: Uint8Array): Fields {
  const keyText = bytesToString(key, 'base16')
  let value: unknown
  try {
    value = decodeDagCborBounded(plainBytes(bytes), RECORD_LIMITS)
  } catch (err: unknown) {
    throw new LedgerCorruptError(keyText, err instanceof Error ? err.message : String(err))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new LedgerCorruptError(keyText, 'not a map')
  }
  return new Fields(keyText, value as Record<string, unknown>)
}

/** Decodes an AccountRecord stored at `key`. */
export function decodeAccount (key: Uint8Array, bytes: Uint8Array): AccountRecord {
  const f = open(key, bytes)
  const record: AccountRecord = {
    balanceNanoTau: f.amount('balanceNanoTau'),
    seedingCreditNanoTau: f.amount('seedingCreditNanoTau'),
    heldNanoTau: f.amount('heldNanoTau'),
    heldFreeBytes: f.uint('heldFreeBytes'),
    freeQuotaBytes: f.uint('freeQuotaBytes'),
    freeQuotaUsedBytes: f.uint('freeQuotaUsedBytes'),
    freeQuotaPeriodStartMs: f.uint('freeQuotaPeriodStartMs'),
    creditedNanoTau: f.amount('creditedNanoTau'),
    seededNanoTau: f.amount('seededNanoTau'),
    chargedNanoTau: f.amount('chargedNanoTau'),
    freeBytesTotal: f.uint('freeBytesTotal'),
    billableBytesTotal: f.uint('billableBytesTotal'),
    settledCount: f.uint('settledCount'),
    createdMs: f.uint('createdMs')
  }
  f.done(14)
  return record
}

/** Decodes a HoldRecord stored at `key`. */
export function decodeHold (key: Uint8Array, bytes: Uint8Array): HoldRecord {
  const f = open(key, bytes)
  const record: HoldRecord = {
    payer: f.bytes('payer', 20),
    heldNanoTau: f.amount('heldNanoTau'),
    heldFreeBytes: f.uint('heldFreeBytes'),
    maxChargeNanoTau: f.amount('maxChargeNanoTau'),
    maxFreeBytes: f.uint('maxFreeBytes'),
    openedMs: f.uint('openedMs')
  }
  f.done(6)
  return record
}

/** Decodes an OutcomeRecord stored at `key`. */
export function decodeOutcome (key: Uint8Array, bytes: Uint8Array): OutcomeRecord {
  const f = open(key, bytes)
  const record: OutcomeRecord = {
    payer: f.bytes('payer', 20),
    status: f.oneOf('status', ['settled', 'released'] as const),
    chargeNanoTau: f.amount('chargeNanoTau'),
    fromSeedingNanoTau: f.amount('fromSeedingNanoTau'),
    freeBytes: f.uint('freeBytes'),
    billableBytes: f.uint('billableBytes'),
    journalSeq: f.uint('journalSeq', true),
    closedMs: f.uint('closedMs')
  }
  f.done(8)
  return record
}

/** Decodes a SettlementRecord stored at `key`. */
export function decodeSettlement (key: Uint8Array, bytes: Uint8Array): SettlementRecord {
  const f = open(key, bytes)
  const record: SettlementRecord = { tx: f.bytes('tx'), journalSeq: f.uint('journalSeq'), importedMs: f.uint('importedMs') }
  f.done(3)
  return record
}

/** Decodes a JournalEntry stored at `key`. */
export function decodeJournal (key: Uint8Array, bytes: Uint8Array): JournalEntry {
  const f = open(key, bytes)
  const record: JournalEntry = {
    kind: f.oneOf('kind', ['settlement', 'seeding', 'charge'] as const),
    address: f.bytes('address', 20),
    amountNanoTau: f.amount('amountNanoTau'),
    fromSeedingNanoTau: f.amount('fromSeedingNanoTau'),
    ref: f.bytes('ref'),
    freeBytes: f.uint('freeBytes'),
    billableBytes: f.uint('billableBytes'),
    tsMs: f.uint('tsMs')
  }
  f.done(8)
  return record
}

/** Decodes a stored unsigned integer (meta values). */
export function decodeUint (key: Uint8Array, bytes: Uint8Array): number {
  let value: unknown
  try {
    value = decodeDagCborBounded(plainBytes(bytes), RECORD_LIMITS)
  } catch (err: unknown) {
    throw new LedgerCorruptError(bytesToString(key, 'base16'), err instanceof Error ? err.message : String(err))
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LedgerCorruptError(bytesToString(key, 'base16'), 'not a safe unsigned integer')
  }
  return value
}
