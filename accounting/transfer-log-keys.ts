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
import type { CID } from 'multiformats/cid'

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

/** Decodes a pending record and gives it `seq`; throws MalformedMessageError when damaged. */
export function decodePendingRecord (bytes: Uint8Array, seq: number): TransferRecord {
  const node = dagCbor.decode<Record<string, unknown>>(bytes)
  return transferRecordFromNode({ ...node, seq })
}
