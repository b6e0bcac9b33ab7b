/**
 * Encoding of one HAMT node: DAG-CBOR `[bitfield, [pointer…]]`, a pointer being a CID (tag 42)
 * of a child or a bucket `[[key, value]…]` (go-hamt-ipld v3 `Pointer` kinded union). The bitfield
 * is big-endian bytes without leading zeros, bit i = slot i (Go's big.Int.Bytes()).
 *
 * The CBOR is written by hand in one buffer around bytes already known: unchanged buckets are
 * copied from the node's previous encoding (runs of them in one copy) and values from their
 * DAG-CBOR bytes, so re-encoding a leaf where one bucket changed encodes one new value at most.
 * A test checks the output equals @ipld/dag-cbor's encoding of the same structure.
 */
import assert from 'node:assert'
import { headerLength, MAJOR_ARRAY, MAJOR_BYTES, writeHeader } from './cbor-bytes.js'
import { isBucket } from './node.js'
import { nodeCid } from './node-cid.js'
import { valueLength } from './value.js'
import type { Bucket, HamtNode, Link, Slot } from './node.js'
import type { CID } from 'multiformats/cid'

export type { MalformedHamtNodeReason } from './node-reader.js'

/** A node's block: its CID (v1, dag-cbor, blake2b-256) and bytes. */
export interface EncodedNode {
  readonly cid: CID
  readonly bytes: Uint8Array
}

const CID_TAG_HEADER = [0xd8, 0x2a] // tag 42

/**
 * Encodes a node whose child links all carry current CIDs (children are encoded first), then
 * keeps the encoding and each slot's span on the node for the next re-encode, and points every
 * entry's value bytes into it (so the previous encoding can be collected).
 */
export function encodeNode (node: HamtNode): EncodedNode {
  const slots = node.slots
  const old = node.bytes
  const reuse = old !== undefined && node.spans !== undefined
  // spans are rewritten in place: slot i's old span is read before its new one is written
  const spans = node.spans ?? new Uint32Array(2 * slots.length)

  // pass 1: the size (this is where new values are encoded: a bad value fails before any change)
  let count = 0
  let last = -1
  let size = 0
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]
    if (slot === undefined) continue
    count++
    last = i
    if (!isBucket(slot)) size += linkLength(linkCid(slot))
    else if (reuse && spans[2 * i + 1] > 0) size += spans[2 * i + 1] - spans[2 * i]
    else size += bucketLength(slot)
  }
  const bitfieldLength = (last >> 3) + 1 // highest set bit decides: no leading zero bytes
  size += 1 + headerLength(bitfieldLength) + bitfieldLength + headerLength(count)

  // pass 2: write
  const out = new Uint8Array(size)
  let pos = writeHeader(out, 0, MAJOR_ARRAY, 2)
  pos = writeHeader(out, pos, MAJOR_BYTES, bitfieldLength)
  const bitfieldEnd = pos + bitfieldLength
  for (let i = 0; i <= last; i++) {
    if (slots[i] !== undefined) out[bitfieldEnd - 1 - (i >> 3)] |= 1 << (i & 7)
  }
  pos = writeHeader(out, bitfieldEnd, MAJOR_ARRAY, count)
  let runFrom = 0
  let runTo = -1
  let runAt = 0
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]
    if (slot === undefined) {
      spans[2 * i] = 0
      spans[2 * i + 1] = 0
      continue
    }
    const start = pos
    if (isBucket(slot) && reuse && spans[2 * i + 1] > 0) {
      const from = spans[2 * i]
      const to = spans[2 * i + 1]
      if (from !== runTo) {
        if (runTo >= 0) out.set((old as Uint8Array).subarray(runFrom, runTo), runAt)
        runFrom = from
        runAt = pos
      }
      runTo = to
      pos += to - from
      repoint(slot, old as Uint8Array, out, start - from)
    } else {
      if (runTo >= 0) out.set((old as Uint8Array).subarray(runFrom, runTo), runAt)
      runTo = -1
      pos = isBucket(slot) ? writeBucket(out, pos, slot) : writeLink(out, pos, linkCid(slot))
    }
    spans[2 * i] = start
    spans[2 * i + 1] = pos
  }
  if (runTo >= 0) out.set((old as Uint8Array).subarray(runFrom, runTo), runAt)
  assert(pos === size, 'encoded node size')

  const cid = nodeCid(out)
  node.bytes = out
  node.spans = spans
  return { cid, bytes: out }
}

function linkCid (link: Link): CID {
  assert(link.cid !== undefined && link.node?.dirty !== true, 'children are encoded before their parent')
  return link.cid
}

function linkLength (cid: CID): number {
  return 2 + headerLength(cid.bytes.length + 1) + 1 + cid.bytes.length
}

function bucketLength (bucket: Bucket): number {
  let size = headerLength(bucket.length)
  for (const entry of bucket) {
    size += 1 + headerLength(entry.key.length) + entry.key.length + valueLength(entry)
  }
  return size
}

function writeLink (out: Uint8Array, pos: number, cid: CID): number {
  out[pos] = CID_TAG_HEADER[0]
  out[pos + 1] = CID_TAG_HEADER[1]
  pos = writeHeader(out, pos + 2, MAJOR_BYTES, cid.bytes.length + 1)
  out[pos] = 0 // the multibase identity prefix DAG-CBOR puts before CID bytes
  out.set(cid.bytes, pos + 1)
  return pos + 1 + cid.bytes.length
}

/** Writes a bucket from its keys and value bytes (pass 1 made sure every value has bytes). */
function writeBucket (out: Uint8Array, pos: number, bucket: Bucket): number {
  pos = writeHeader(out, pos, MAJOR_ARRAY, bucket.length)
  for (const entry of bucket) {
    const key = entry.key
    pos = writeHeader(out, pos, MAJOR_ARRAY, 2)
    pos = writeHeader(out, pos, MAJOR_BYTES, key.length)
    out.set(key, pos)
    pos += key.length
    const length = entry.end - entry.start
    out.set((entry.encoded as Uint8Array).subarray(entry.start, entry.end), pos)
    entry.encoded = out
    entry.start = pos
    entry.end = pos + length
    pos += length
  }
  return pos
}

/** Moves the value bytes of a bucket copied from `old` to its place in `out`. */
function repoint (bucket: Bucket, old: Uint8Array, out: Uint8Array, delta: number): void {
  for (const entry of bucket) {
    if (entry.encoded !== old) continue
    entry.encoded = out
    entry.start += delta
    entry.end += delta
  }
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
