/**
 * The key space of the one LevelDB under the data directory (DESIGN.md §5.3). Every key starts
 * with a one-byte prefix from this file; prefixes are numbered, documented as `Key -> Value`, and
 * never reused (a retired prefix stays here, marked retired). Values are DAG-CBOR unless noted.
 * Integers inside keys are 8-byte big-endian so that LevelDB's byte order is numeric order.
 */

/** Prefix byte of every record kind. */
export const PREFIX = {
  /** Never used: an all-zero key is the easiest one to write by mistake. */
  RESERVED_ZERO: 0x00,
  /** `0x01 ‖ utf8(name) -> value`: ledger metadata. Names: `schema` -> uint, `journal-seq` -> next journal seq (uint). */
  META: 0x01,
  /** `0x02 ‖ address(20) -> AccountRecord`: balance, seeding credit, open-hold totals, free quota, lifetime counters. */
  ACCOUNT: 0x02,
  /** `0x03 ‖ requestId(16) -> HoldRecord`: an open hold; deleted in the batch that settles or releases it. */
  HOLD: 0x03,
  /** `0x04 ‖ requestId(16) -> OutcomeRecord`: the final outcome of a request (settled or released), kept forever. */
  OUTCOME: 0x04,
  /** `0x05 ‖ txid(32) -> SettlementRecord`: an imported signed TAU transfer (its bytes) and its journal seq. */
  SETTLEMENT: 0x05,
  /** `0x06 ‖ from(20) ‖ nonce(8) -> txid(32)` (raw bytes): which transaction used a sender's nonce. */
  SETTLEMENT_NONCE: 0x06,
  /** `0x07 ‖ seq(8) -> JournalEntry`: every credit and debit, in order; what `check()` and statements sum. */
  JOURNAL: 0x07,
  /** `0x08 ‖ address(20) ‖ tsMs(8) ‖ seq(8) -> empty`: index of the journal by address and time. */
  ADDRESS_JOURNAL: 0x08,

  // ── reserved for the policy store (accounting/policy.ts, not written by the ledger) ──
  /** `0x09 ‖ validFromMs(8) ‖ policyCid -> signed policy document bytes`: the policy history. */
  POLICY_HISTORY: 0x09,
  /** `0x0a -> policyCid bytes`: the current policy. */
  POLICY_CURRENT: 0x0a,
  /** `0x0b ‖ peerId bytes -> signed peer binding bytes`: peer bindings received over /tau/identity. */
  PEER_BINDING: 0x0b,

  // ── reserved for the transfer log (accounting/transfer-log*.ts, not written by the ledger; layout in transfer-log-keys.ts) ──
  /** `0x10 ‖ requestId(16) -> pending record` (DAG-CBOR record without `seq`): charged, not yet in a head; written in the ledger's settle batch. */
  TRANSFER_PENDING: 0x10,
  /** `0x11 ‖ CID bytes -> block bytes`: HAMT nodes and log heads of the transfer log. */
  LOG_BLOCK: 0x11,
  /** `0x12 ‖ headSeq(8) -> head CID bytes`: every committed log head, by head number (0, 1, 2, …). */
  LOG_HEAD: 0x12,
  /** `0x13 ‖ utf8('head') -> head CID bytes`: the newest log head (absent before the first commit). */
  LOG_META: 0x13
} as const

/** Prefixes the ledger writes itself; `check()` owns every key under them. */
export const LEDGER_PREFIXES: readonly number[] = [
  PREFIX.META, PREFIX.ACCOUNT, PREFIX.HOLD, PREFIX.OUTCOME, PREFIX.SETTLEMENT,
  PREFIX.SETTLEMENT_NONCE, PREFIX.JOURNAL, PREFIX.ADDRESS_JOURNAL
]

/** Prefixes a caller may write in the ledger's settle batch (`extraBatchOps`): the transfer log's. */
export const TRANSFER_LOG_PREFIXES: readonly number[] = [
  PREFIX.TRANSFER_PENDING, PREFIX.LOG_BLOCK, PREFIX.LOG_HEAD, PREFIX.LOG_META
]

/** Meta key names. */
export const META_SCHEMA = 'schema'
/** Meta key of the next journal sequence number. */
export const META_JOURNAL_SEQ = 'journal-seq'
/** Version of this key space; bumped (with a migration) when a record layout changes. */
export const LEDGER_SCHEMA_VERSION = 1

function concat (prefix: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 1)
  const key = new Uint8Array(length)
  key[0] = prefix
  let offset = 1
  for (const part of parts) {
    key.set(part, offset)
    offset += part.length
  }
  return key
}

/** 8-byte big-endian encoding of a non-negative safe integer, so keys sort numerically. */
export function uint64Bytes (value: number): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value))
  return bytes
}

/** Reads an 8-byte big-endian unsigned integer at `offset`. */
export function readUint64 (bytes: Uint8Array, offset: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset))
}

/** `0x01 ‖ utf8(name)`. */
export const metaKey = (name: string): Uint8Array => concat(PREFIX.META, new TextEncoder().encode(name))
/** `0x02 ‖ address`. */
export const accountKey = (address: Uint8Array): Uint8Array => concat(PREFIX.ACCOUNT, address)
/** `0x03 ‖ requestId`. */
export const holdKey = (requestId: Uint8Array): Uint8Array => concat(PREFIX.HOLD, requestId)
/** `0x04 ‖ requestId`. */
export const outcomeKey = (requestId: Uint8Array): Uint8Array => concat(PREFIX.OUTCOME, requestId)
/** `0x05 ‖ txid`. */
export const settlementKey = (txid: Uint8Array): Uint8Array => concat(PREFIX.SETTLEMENT, txid)
/** `0x06 ‖ from ‖ nonce`. */
export const settlementNonceKey = (from: Uint8Array, nonce: number): Uint8Array => concat(PREFIX.SETTLEMENT_NONCE, from, uint64Bytes(nonce))
/** `0x07 ‖ seq`. */
export const journalKey = (seq: number): Uint8Array => concat(PREFIX.JOURNAL, uint64Bytes(seq))
/** `0x08 ‖ address ‖ tsMs ‖ seq`. */
export const addressJournalKey = (address: Uint8Array, tsMs: number, seq: number): Uint8Array =>
  concat(PREFIX.ADDRESS_JOURNAL, address, uint64Bytes(tsMs), uint64Bytes(seq))

/** The key range `[gte, lt)` of every key starting with `prefix` followed by `parts`. */
export function prefixRange (prefix: number, ...parts: Uint8Array[]): { gte: Uint8Array, lt: Uint8Array } {
  const gte = concat(prefix, ...parts)
  const lt = gte.slice()
  // increment the last byte that is not 0xff, dropping the 0xff tail: the first key past the range
  for (let i = lt.length - 1; i >= 0; i--) {
    if (lt[i] !== 0xff) {
      lt[i]++
      return { gte, lt: lt.subarray(0, i + 1) }
    }
  }
  throw new Error('no key range above an all-0xff prefix')
}
