/**
 * What every ledger operation shares: the database handle, the resolved init, the write set of
 * one operation (`WriteSet`, committed as one atomic batch) and the account helpers. Operations
 * are functions over a `LedgerContext` that read (through `ctx.reader`), check, and return a
 * WriteSet; only the ledger's single writer (ledger-writer.ts) commits them.
 */
import { toString as bytesToString } from 'uint8arrays/to-string'
import { formatTauAddress } from '../protocol/tau-address.js'
import { InvalidAccountAddressError, InvalidByteCountError, InvalidRequestIdError } from './errors.js'
import { accountKey, addressJournalKey, journalKey, META_JOURNAL_SEQ, metaKey } from './ledger-keys.js'
import { decodeAccount, encodeRecord } from './ledger-codec.js'
import type { AccountRecord, JournalEntry } from './ledger-codec.js'

/** One write of a ledger batch. */
export type LedgerBatchOp = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

/**
 * What the ledger needs of its database: a classic-level `ClassicLevel<Uint8Array, Uint8Array>`
 * (keyEncoding and valueEncoding `view`) or a sublevel of one with the same encodings.
 */
export interface LedgerDatabase {
  get (key: Uint8Array): Promise<Uint8Array | undefined>
  batch (ops: LedgerBatchOp[], options: { sync?: boolean }): Promise<void>
  iterator (options: { gte: Uint8Array, lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]>
  /** Reads many keys in one call (classic-level has it); the writer prefetches with it when present. */
  getMany?: (keys: Uint8Array[]) => Promise<Array<Uint8Array | undefined>>
}

/** Where operations read records: the writer's working view, or the database itself. */
export interface LedgerReader {
  get (key: Uint8Array): Promise<Uint8Array | undefined>
}

/** Length of a request id. */
export const REQUEST_ID_BYTES = 16
/** Length of a TAU address. */
export const ADDRESS_BYTES = 20

/** Resolved settings and live state of one open ledger. */
export interface LedgerContext {
  db: LedgerDatabase
  /** What plans read through: the single writer's working view (ledger-writer.ts). */
  reader: LedgerReader
  /** Operator's TAU address; settlements must be paid to it. */
  operator: Uint8Array | undefined
  /** Free quota of a new address (and of each new period). */
  freeQuotaBytes: number
  /** Free quota period; 0 = granted once per address. */
  freeQuotaPeriodMs: number
  /** Next journal sequence number; advanced only after a batch commits. */
  nextJournalSeq: number
}

/** The writes of one operation, committed as one batch, and the journal seqs it used. */
export class WriteSet {
  readonly ops: LedgerBatchOp[] = []
  private readonly firstSeq: number
  private seq: number

  constructor (nextJournalSeq: number) {
    this.firstSeq = nextJournalSeq
    this.seq = nextJournalSeq
  }

  put (key: Uint8Array, value: Uint8Array): void {
    this.ops.push({ type: 'put', key, value })
  }

  del (key: Uint8Array): void {
    this.ops.push({ type: 'del', key })
  }

  /** Appends a journal entry (and its address index) and returns its seq. */
  journal (entry: JournalEntry): number {
    const seq = this.seq++
    this.put(journalKey(seq), encodeRecord(entry))
    this.put(addressJournalKey(entry.address, entry.tsMs, seq), new Uint8Array(0))
    this.put(metaKey(META_JOURNAL_SEQ), encodeRecord(this.seq))
    return seq
  }

  /** Journal entries appended by this write set. */
  get journalCount (): number {
    return this.seq - this.firstSeq
  }
}

/** Hex of bytes, for error context. */
export const hex = (bytes: Uint8Array): string => bytesToString(bytes, 'base16')

/** Text form of an address, for error context. */
export const addressText = (address: Uint8Array): string => formatTauAddress(address)

/** Checks a request id is 16 bytes. */
export function checkRequestId (value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== REQUEST_ID_BYTES) throw new InvalidRequestIdError()
  return value
}

/** Checks an address is 20 bytes. */
export function checkAddress (value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== ADDRESS_BYTES) throw new InvalidAccountAddressError(field)
  return value
}

/** Checks a byte count (or a time in ms) is a non-negative safe integer. */
export function checkUint (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidByteCountError(field)
  return value
}

/** Reads an account through `reader`, or undefined when the address has never been seen. */
export async function readAccount (reader: LedgerReader, address: Uint8Array): Promise<AccountRecord | undefined> {
  const key = accountKey(address)
  const bytes = await reader.get(key)
  return bytes === undefined ? undefined : decodeAccount(key, bytes)
}

/** A fresh account: nothing credited, the full free quota granted from `nowMs`. */
export function newAccount (ctx: LedgerContext, nowMs: number): AccountRecord {
  return {
    balanceNanoTau: 0n,
    seedingCreditNanoTau: 0n,
    heldNanoTau: 0n,
    heldFreeBytes: 0,
    freeQuotaBytes: ctx.freeQuotaBytes,
    freeQuotaUsedBytes: 0,
    freeQuotaPeriodStartMs: nowMs,
    creditedNanoTau: 0n,
    seededNanoTau: 0n,
    chargedNanoTau: 0n,
    freeBytesTotal: 0,
    billableBytesTotal: 0,
    settledCount: 0,
    createdMs: nowMs
  }
}

/**
 * Starts a new free-quota period when the current one has ended (periodMs > 0). Periods are
 * aligned to the account's first period, so the reset time does not drift with activity.
 * Bytes reserved by open holds stay reserved across the reset.
 */
export function rollFreeQuotaPeriod (ctx: LedgerContext, account: AccountRecord, nowMs: number): AccountRecord {
  if (ctx.freeQuotaPeriodMs === 0 || nowMs < account.freeQuotaPeriodStartMs + ctx.freeQuotaPeriodMs) return account
  const periods = Math.floor((nowMs - account.freeQuotaPeriodStartMs) / ctx.freeQuotaPeriodMs)
  return {
    ...account,
    freeQuotaBytes: ctx.freeQuotaBytes,
    freeQuotaUsedBytes: 0,
    freeQuotaPeriodStartMs: account.freeQuotaPeriodStartMs + periods * ctx.freeQuotaPeriodMs
  }
}

/** Free-quota bytes neither used nor reserved by open holds. */
export function freeQuotaAvailableBytes (account: AccountRecord): number {
  return Math.max(0, account.freeQuotaBytes - account.freeQuotaUsedBytes - account.heldFreeBytes)
}

/** nanoTAU the address can still commit: balance + seeding credit − open holds. */
export function availableNanoTau (account: AccountRecord): bigint {
  return account.balanceNanoTau + account.seedingCreditNanoTau - account.heldNanoTau
}

/** Byte-wise equality. */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false
  }
  return true
}
