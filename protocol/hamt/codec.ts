/**
 * Strict encode/decode of one HAMT node: DAG-CBOR `[bitfield, [pointer…]]`, a pointer being a CID
 * (tag 42) of a child or a bucket `[[key, value]…]` (go-hamt-ipld v3 `Pointer` kinded union).
 * The bitfield is big-endian bytes without leading zeros, bit i = slot i (Go's big.Int.Bytes()).
 *
 * Encoding writes the CBOR by hand around each value's cached DAG-CBOR bytes, so re-encoding a
 * changed node copies bytes instead of re-encoding every value in it; a test checks the output
 * equals @ipld/dag-cbor's encoding of the same structure.
 */
import assert from 'node:assert'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { DAG_CBOR_CODE, verifyBlock } from '../block.js'
import { decodeDagCborBounded } from '../dag-cbor-bounded.js'
import { InvalidHamtValueError, MalformedHamtNodeError, MalformedMessageError } from '../errors.js'
import { blake2b256 } from '../hashes.js'
import { headerLength, pointerSpans, writeHeader } from './cbor-bytes.js'
import { compareBytes, HamtNode, isBucket, Link } from './node.js'
import type { Bucket, Entry, Slot } from './node.js'
import type { HamtConfig } from './types.js'

/** Why a node is malformed; the `reason` of MalformedHamtNodeError. */
export type MalformedHamtNodeReason = 'not_dag_cbor' | 'invalid_dag_cbor' | 'not_a_node' | 'bitfield_not_bytes' |
'bitfield_out_of_range' | 'bitfield_pointer_mismatch' | 'malformed_pointer' | 'link_not_dag_cbor' | 'empty_bucket' |
'oversized_bucket' | 'malformed_entry' | 'unsorted_bucket' | 'duplicate_key' | 'empty_child' | 'uncollapsed_child'

/** A node's block: its CID (v1, dag-cbor, blake2b-256) and bytes. */
export interface EncodedNode {
  readonly cid: CID
  readonly bytes: Uint8Array
}

const MAJOR_BYTES = 2
const MAJOR_ARRAY = 4
const CID_TAG_HEADER = [0xd8, 0x2a] // tag 42

/** One pointer ready to write: a link, the old bytes of an unchanged bucket, or a bucket to encode. */
type Part = { cid: CID } | { from: number, to: number } | { bucket: Bucket, values: Uint8Array[] }

/**
 * Encodes a node whose child links all carry current CIDs (children are encoded first), then
 * keeps the encoding and each slot's span on the node for the next re-encode. Unchanged buckets
 * next to each other are copied from the previous encoding in one run.
 */
export function encodeNode (node: HamtNode): EncodedNode {
  const bitfield = bitfieldOf(node.slots)
  const parts: Part[] = []
  const indexes: number[] = []
  let size = 1 + headerLength(bitfield.length) + bitfield.length
  for (let i = 0; i < node.slots.length; i++) {
    const slot = node.slots[i]
    if (slot === undefined) continue
    const part = partOf(node, i, slot)
    parts.push(part)
    indexes.push(i)
    size += partLength(part)
  }
  size += headerLength(parts.length)

  const out = new Uint8Array(size)
  const spans = new Uint32Array(2 * node.slots.length)
  let pos = writeHeader(out, 0, MAJOR_ARRAY, 2)
  pos = writeHeader(out, pos, MAJOR_BYTES, bitfield.length)
  out.set(bitfield, pos)
  pos = writeHeader(out, pos + bitfield.length, MAJOR_ARRAY, parts.length)
  const old = node.bytes
  let run = { from: -1, to: -1, at: 0 }
  const copyRun = (): void => {
    if (run.from >= 0 && old !== undefined) out.set(old.subarray(run.from, run.to), run.at)
    run = { from: -1, to: -1, at: 0 }
  }
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]
    spans[2 * indexes[k]] = pos
    if ('from' in part) {
      if (part.from !== run.to) {
        copyRun()
        run = { from: part.from, to: part.to, at: pos }
      }
      run.to = part.to
      pos += part.to - part.from
    } else {
      copyRun()
      pos = writePart(out, pos, part)
    }
    spans[2 * indexes[k] + 1] = pos
  }
  copyRun()
  const cid = CID.createV1(DAG_CBOR_CODE, blake2b256.digest(out))
  node.bytes = out
  node.spans = spans
  return { cid, bytes: out }
}

function partOf (node: HamtNode, index: number, slot: Bucket | Link): Part {
  if (!isBucket(slot)) {
    assert(slot.cid !== undefined && slot.node?.dirty !== true, 'children are encoded before their parent')
    return { cid: slot.cid }
  }
  const spans = node.spans
  if (spans !== undefined && node.bytes !== undefined && spans[2 * index + 1] > 0) {
    return { from: spans[2 * index], to: spans[2 * index + 1] }
  }
  return { bucket: slot, values: slot.map(encodeValue) }
}

function partLength (part: Part): number {
  if ('cid' in part) return 2 + headerLength(part.cid.bytes.length + 1) + 1 + part.cid.bytes.length
  if ('from' in part) return part.to - part.from
  let size = headerLength(part.bucket.length)
  for (let j = 0; j < part.bucket.length; j++) {
    const key = part.bucket[j].key
    size += 1 + headerLength(key.length) + key.length + part.values[j].length
  }
  return size
}

function writePart (out: Uint8Array, pos: number, part: Exclude<Part, { from: number }>): number {
  if ('cid' in part) {
    out.set(CID_TAG_HEADER, pos)
    pos = writeHeader(out, pos + 2, MAJOR_BYTES, part.cid.bytes.length + 1)
    out[pos] = 0 // the multibase identity prefix DAG-CBOR puts before CID bytes
    out.set(part.cid.bytes, pos + 1)
    return pos + 1 + part.cid.bytes.length
  }
  pos = writeHeader(out, pos, MAJOR_ARRAY, part.bucket.length)
  for (let j = 0; j < part.bucket.length; j++) {
    const key = part.bucket[j].key
    pos = writeHeader(out, pos, MAJOR_ARRAY, 2)
    pos = writeHeader(out, pos, MAJOR_BYTES, key.length)
    out.set(key, pos)
    pos += key.length
    out.set(part.values[j], pos)
    pos += part.values[j].length
  }
  return pos
}

/** The DAG-CBOR bytes of an entry's value; InvalidHamtValueError if it is not IPLD data. */
export function encodeValue (entry: Entry): Uint8Array {
  try {
    return dagCbor.encode(entry.value)
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err)
    throw new InvalidHamtValueError(`value of key 0x${hex(entry.key)} is not an IPLD data model value: ${why}`)
  }
}

/**
 * Verifies a block against its CID (unless the caller already did: `hashChecked`), decodes it and
 * checks it is a well-formed node.
 */
export function decodeNode (cid: CID, bytes: Uint8Array, config: HamtConfig, isRoot: boolean, hashChecked = false): HamtNode {
  if (cid.code !== DAG_CBOR_CODE) throw malformed(cid, 'not_dag_cbor')
  if (!hashChecked) verifyBlock(cid, bytes)
  let data: unknown
  try {
    data = decodeDagCborBounded(bytes)
  } catch (err: unknown) {
    if (err instanceof MalformedMessageError) throw malformed(cid, 'invalid_dag_cbor', err.message)
    throw err
  }
  const node = nodeFromData(cid, data, config, isRoot)
  node.bytes = bytes
  node.spans = pointerSpans(bytes, node.slots)
  return node
}

/** Checks decoded data against every rule of the format (go-hamt-ipld v3 `loadNode`). */
export function nodeFromData (cid: CID, data: unknown, config: HamtConfig, isRoot: boolean): HamtNode {
  if (!Array.isArray(data) || data.length !== 2) throw malformed(cid, 'not_a_node')
  const [bitfield, pointers] = data as [unknown, unknown]
  if (!(bitfield instanceof Uint8Array)) throw malformed(cid, 'bitfield_not_bytes')
  if (!Array.isArray(pointers)) throw malformed(cid, 'not_a_node', 'pointers are not a list')

  const slotCount = 1 << config.bitWidth
  const indexes = setBits(bitfield, cid, slotCount)
  if (indexes.length !== pointers.length) {
    throw malformed(cid, 'bitfield_pointer_mismatch', `${indexes.length} bits set, ${pointers.length} pointers`)
  }

  const node = new HamtNode(slotCount, cid)
  let links = 0
  let entries = 0
  for (let k = 0; k < pointers.length; k++) {
    const slot = slotFromData(cid, pointers[k], config.bucketSize)
    if (isBucket(slot)) entries += slot.length
    else links++
    node.slots[indexes[k]] = slot
  }
  if (!isRoot && pointers.length === 0) throw malformed(cid, 'empty_child')
  if (!isRoot && links === 0 && entries <= config.bucketSize) {
    throw malformed(cid, 'uncollapsed_child', `${entries} entries fit in one bucket of the parent`)
  }
  return node
}

function slotFromData (cid: CID, pointer: unknown, bucketSize: number): Bucket | Link {
  const link = CID.asCID(pointer)
  if (link !== null) {
    if (link.code !== DAG_CBOR_CODE) throw malformed(cid, 'link_not_dag_cbor', `link ${link.toString()}`)
    return new Link(link)
  }
  if (!Array.isArray(pointer)) throw malformed(cid, 'malformed_pointer')
  if (pointer.length === 0) throw malformed(cid, 'empty_bucket')
  if (pointer.length > bucketSize) throw malformed(cid, 'oversized_bucket', `${pointer.length} entries > ${bucketSize}`)
  const bucket: Bucket = []
  for (const item of pointer as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2 || !(item[0] instanceof Uint8Array)) throw malformed(cid, 'malformed_entry')
    const key = item[0]
    const previous = bucket[bucket.length - 1]
    if (previous !== undefined) {
      const order = compareBytes(previous.key, key)
      if (order === 0) throw malformed(cid, 'duplicate_key', `key 0x${hex(key)}`)
      if (order > 0) throw malformed(cid, 'unsorted_bucket')
    }
    bucket.push({ key, value: item[1] as unknown })
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

/** The bitfield of occupied slots: big-endian, no leading zero bytes (empty → empty bytes). */
export function bitfieldOf (slots: readonly Slot[]): Uint8Array {
  const full = new Uint8Array(Math.max(1, slots.length >> 3))
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] !== undefined) full[full.length - 1 - (i >> 3)] |= 1 << (i & 7)
  }
  let start = 0
  while (start < full.length && full[start] === 0) start++
  return full.subarray(start)
}

function malformed (cid: CID, reason: MalformedHamtNodeReason, detail?: string): MalformedHamtNodeError {
  const text = cid.toString()
  return new MalformedHamtNodeError(text, reason, `malformed HAMT node ${text}: ${reason}${detail === undefined ? '' : ` (${detail})`}`)
}

function hex (bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('')
}
