/**
 * The strict reader of one HAMT node: DAG-CBOR `[bitfield, [pointer…]]`, a pointer being a CID
 * (tag 42) of a child or a bucket `[[key, value]…]` (go-hamt-ipld v3 `Pointer` kinded union).
 *
 * The block is checked whole by the bounded scanner (`scanDagCbor`: the DAG-CBOR rules, without
 * building values), then walked once by hand: the node's shape is checked against every rule of
 * the format, every CID is checked as @ipld/dag-cbor's decoder checks it, and each value is kept
 * as its span of the block (decoded only when read). So a malformed value is still reported when
 * its node is loaded, at a fraction of the cost of decoding ~30 records per leaf.
 */
import { DAG_CBOR_CODE, verifyBlock } from '../block.js'
import { scanDagCbor } from '../dag-cbor-bounded.js'
import { MalformedHamtNodeError, MalformedMessageError } from '../errors.js'
import { CborCursor, cidInPayload, MAJOR_ARRAY, MAJOR_BYTES, MAJOR_TAG } from './cbor-bytes.js'
import { compareBytes, HamtNode, Link } from './node.js'
import type { Bucket, Entry } from './node.js'
import type { HamtConfig } from './types.js'
import type { CID } from 'multiformats/cid'

/**
 * Most CBOR items a HAMT node may hold: 2^8 pointers × 32-entry buckets × a key and a value of ~15
 * items each is ~123k, so 131,072 admits every node a bitWidth ≤ 8 writer makes with small inline
 * values, and a hostile 1M-item block is refused after 1/8 of the scan (values larger than that
 * belong behind links).
 */
export const MAX_HAMT_NODE_ITEMS = 131_072

/** Why a node is malformed; the `reason` of MalformedHamtNodeError. */
export type MalformedHamtNodeReason = 'not_dag_cbor' | 'invalid_dag_cbor' | 'not_a_node' | 'bitfield_not_bytes' |
'bitfield_out_of_range' | 'bitfield_pointer_mismatch' | 'malformed_pointer' | 'link_not_dag_cbor' | 'empty_bucket' |
'oversized_bucket' | 'malformed_entry' | 'unsorted_bucket' | 'duplicate_key' | 'empty_child' | 'uncollapsed_child'

/**
 * Verifies a block against its CID (unless the caller already did: `hashChecked`) and reads it as
 * a node, checking every rule of the format (go-hamt-ipld v3 `loadNode`).
 */
export function decodeNode (cid: CID, bytes: Uint8Array, config: HamtConfig, isRoot: boolean, hashChecked = false): HamtNode {
  if (cid.code !== DAG_CBOR_CODE) throw malformed(cid, 'not_dag_cbor')
  if (!hashChecked) verifyBlock(cid, bytes)
  try {
    scanDagCbor(bytes, { maxItems: MAX_HAMT_NODE_ITEMS })
  } catch (err: unknown) {
    if (err instanceof MalformedMessageError) throw malformed(cid, 'invalid_dag_cbor', err.message)
    throw err
  }
  try {
    return readNode(cid, bytes, config, isRoot)
  } catch (err: unknown) {
    // a decoder would have failed on a bad CID anywhere in the block before any shape rule ran
    if (err instanceof MalformedHamtNodeError && err.reason !== 'invalid_dag_cbor') {
      const bad = new CborCursor(bytes).skip()
      if (bad !== undefined) throw malformed(cid, 'invalid_dag_cbor', bad)
    }
    throw err
  }
}

function readNode (cid: CID, bytes: Uint8Array, config: HamtConfig, isRoot: boolean): HamtNode {
  const cursor = new CborCursor(bytes)
  if (cursor.head() !== MAJOR_ARRAY || cursor.value !== 2) throw malformed(cid, 'not_a_node')
  if (cursor.head() !== MAJOR_BYTES) throw malformed(cid, 'bitfield_not_bytes')
  const bitfield = bytes.subarray(cursor.pos, cursor.pos + cursor.value)
  cursor.pos += cursor.value
  if (cursor.head() !== MAJOR_ARRAY) throw malformed(cid, 'not_a_node', 'pointers are not a list')
  const pointerCount: number = cursor.value

  const slotCount = 1 << config.bitWidth
  const indexes = setBits(bitfield, cid, slotCount)
  if (indexes.length !== pointerCount) {
    throw malformed(cid, 'bitfield_pointer_mismatch', `${indexes.length} bits set, ${pointerCount} pointers`)
  }

  const node = new HamtNode(slotCount, cid)
  const spans = new Uint32Array(2 * slotCount)
  let links = 0
  let entries = 0
  for (let k = 0; k < pointerCount; k++) {
    const index = indexes[k]
    spans[2 * index] = cursor.pos
    const slot = readPointer(cid, cursor, config.bucketSize)
    spans[2 * index + 1] = cursor.pos
    if (slot instanceof Link) links++
    else entries += slot.length
    node.slots[index] = slot
  }
  if (!isRoot && pointerCount === 0) throw malformed(cid, 'empty_child')
  if (!isRoot && links === 0 && entries <= config.bucketSize) {
    throw malformed(cid, 'uncollapsed_child', `${entries} entries fit in one bucket of the parent`)
  }
  node.bytes = bytes
  node.spans = spans
  return node
}

function readPointer (cid: CID, cursor: CborCursor, bucketSize: number): Bucket | Link {
  const bytes = cursor.bytes
  const major = cursor.head()
  if (major === MAJOR_TAG) {
    cursor.head()
    const link = cidInPayload(bytes, cursor.pos, cursor.pos + cursor.value)
    cursor.pos += cursor.value
    if (typeof link === 'string') throw malformed(cid, 'invalid_dag_cbor', link)
    if (link.code !== DAG_CBOR_CODE) throw malformed(cid, 'link_not_dag_cbor', `link ${link.toString()}`)
    return new Link(link)
  }
  if (major !== MAJOR_ARRAY) throw malformed(cid, 'malformed_pointer')
  const count = cursor.value
  if (count === 0) throw malformed(cid, 'empty_bucket')
  if (count > bucketSize) throw malformed(cid, 'oversized_bucket', `${count} entries > ${bucketSize}`)
  const bucket: Bucket = []
  for (let j = 0; j < count; j++) {
    const isPair = cursor.head() === MAJOR_ARRAY && cursor.value === 2
    if (!isPair || cursor.head() !== MAJOR_BYTES) throw malformed(cid, 'malformed_entry')
    // keys are copied: a view would pin this block after the node is re-encoded
    const key = bytes.slice(cursor.pos, cursor.pos + cursor.value)
    cursor.pos += cursor.value
    const previous = bucket[bucket.length - 1]
    if (previous !== undefined) {
      const order = compareBytes(previous.key, key)
      if (order === 0) throw malformed(cid, 'duplicate_key', `key 0x${hex(key)}`)
      if (order > 0) throw malformed(cid, 'unsorted_bucket')
    }
    const valueStart = cursor.pos
    const bad = cursor.skip()
    if (bad !== undefined) throw malformed(cid, 'invalid_dag_cbor', bad)
    const entry: Entry = { key, value: undefined, encoded: bytes, start: valueStart, end: cursor.pos }
    bucket.push(entry)
  }
  return bucket
}

/** Slot indexes set in a big-endian bitfield, ascending; leading zero bytes are accepted (Go does). */
function setBits (bitfield: Uint8Array, cid: CID, slotCount: number): number[] {
  const indexes: number[] = []
  for (let b = 0; b < bitfield.length; b++) {
    const byte = bitfield[bitfield.length - 1 - b]
    if (byte === 0) continue
    for (let bit = 0; bit < 8; bit++) {
      if ((byte & (1 << bit)) === 0) continue
      const index = b * 8 + bit
      if (index >= slotCount) throw malformed(cid, 'bitfield_out_of_range', `bit ${index} set, ${slotCount} slots`)
      indexes.push(index)
    }
  }
  return indexes
}

/** A MalformedHamtNodeError naming the block and the reason. */
export function malformed (cid: CID, reason: MalformedHamtNodeReason, detail?: string): MalformedHamtNodeError {
  const text = cid.toString()
  return new MalformedHamtNodeError(text, reason, `malformed HAMT node ${text}: ${reason}${detail === undefined ? '' : ` (${detail})`}`)
}

/** Hex of the first 32 bytes, for messages. */
export function hex (bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('')
}
