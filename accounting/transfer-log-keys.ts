/**
 * The transfer log's part of the key space (prefixes 0x10–0x13, reserved in ledger-keys.ts) and
 * the pending-record codec. Layout, `Key -> Value`:
 *
 * - `0x10 ‖ requestId(16) -> pending record`: DAG-CBOR of the record node *without* `seq`, written
 *   in the ledger's settle batch, deleted in the commit batch that gives it a seq. Keyed by request
 *   id, not seq, because a seq is only assigned by the committer (gapless by construction).
 * - `0x11 ‖ CID bytes -> block bytes`: HAMT nodes and log heads.
 * - `0x12 ‖ headSeq(8) -> head CID bytes`: every committed head, by head number (0, 1, 2, …).
 * - `0x13 ‖ utf8('head') -> head CID bytes`: the newest head (absent before the first commit).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { transferRecordFromNode, transferRecordToNode } from '../protocol/transfer-record.js'
import { PREFIX, prefixRange, uint64Bytes } from './ledger-keys.js'
import type { TransferRecord } from '../protocol/transfer-record.js'
import type { HamtConfig } from '../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/**
 * HAMT options of the transfer log, which every verifier of its receipts must use (DESIGN.md §5.4
 * lets a map choose them; go-hamt-ipld takes the same three). Identity hash: the relay assigns
 * keys as gapless 8-byte big-endian seqs, so nobody can choose keys to unbalance the tree, and an
 * append changes only the newest (rightmost) path. With sha2-256 a commit's records land in
 * random leaves: measured here (ledger.bench, hamt params at 100,000 records), a 1,000-record
 * commit wrote 8.5 MB with bitWidth 5 against 0.29 MB with identity and bitWidth 4, at any log
 * size. bitWidth 4 divides the 64 key bits, so a leaf holds 16 consecutive records (~3 KiB); 5 or
 * 3 leave a 1–4-bit last level of tiny leaves. bucketSize stays the format's 3 (no effect here:
 * consecutive keys differ in their last nibble).
 */
export const TRANSFER_LOG_HAMT_OPTIONS: HamtConfig = Object.freeze({ bitWidth: 4, bucketSize: 3, hashAlg: 'identity' })

/** A transfer record before the committer gives it its seq. */
export type UnsequencedRecord = Omit<TransferRecord, 'seq'> & { seq?: number }

/** Name of the newest-head meta key. */
export const LOG_META_HEAD = 'head'

function withPrefix (prefix: number, body: Uint8Array): Uint8Array {
  const key = new Uint8Array(body.length + 1)
  key[0] = prefix
  key.set(body, 1)
  return key
}

/** `0x10 ‖ requestId`. */
export const pendingKey = (requestId: Uint8Array): Uint8Array => withPrefix(PREFIX.TRANSFER_PENDING, requestId)
/** `0x11 ‖ CID bytes`. */
export const logBlockKey = (cid: CID): Uint8Array => withPrefix(PREFIX.LOG_BLOCK, cid.bytes)
/** `0x12 ‖ headSeq`. */
export const logHeadKey = (headSeq: number): Uint8Array => withPrefix(PREFIX.LOG_HEAD, uint64Bytes(headSeq))
/** `0x13 ‖ utf8(name)`. */
export const logMetaKey = (name: string): Uint8Array => withPrefix(PREFIX.LOG_META, new TextEncoder().encode(name))
/** Every pending record key. */
export const pendingRange = (): { gte: Uint8Array, lt: Uint8Array } => prefixRange(PREFIX.TRANSFER_PENDING)
/** Every head key. */
export const logHeadRange = (): { gte: Uint8Array, lt: Uint8Array } => prefixRange(PREFIX.LOG_HEAD)

/** Encodes a pending record (checked like a full record; its `seq`, if any, is dropped). */
export function encodePendingRecord (record: UnsequencedRecord): Uint8Array {
  const { seq: _seq, ...node } = transferRecordToNode({ ...record, seq: 0 })
  return dagCbor.encode(node)
}

/** A pending record decoded and checked once: the record (seq 0) and its node, for the HAMT once sequenced. */
export interface DecodedPendingRecord {
  record: TransferRecord
  node: Record<string, unknown>
}

/** Decodes and checks a pending record once; throws MalformedMessageError when damaged. */
export function readPendingRecord (bytes: Uint8Array): DecodedPendingRecord {
  const node = dagCbor.decode<Record<string, unknown>>(bytes)
  return { record: transferRecordFromNode({ ...node, seq: 0 }), node }
}

/** Decodes a pending record and gives it `seq`; throws MalformedMessageError when damaged. */
export function decodePendingRecord (bytes: Uint8Array, seq: number): TransferRecord {
  const node = dagCbor.decode<Record<string, unknown>>(bytes)
  return transferRecordFromNode({ ...node, seq })
}
