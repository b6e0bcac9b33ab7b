/**
 * The in-memory HAMT node: a dense array of 2^bitWidth slots, each empty, a bucket of entries
 * sorted by key bytes, or a link to a child. The packed wire form (bitfield + pointers) exists only
 * in codec.ts; here a slot lookup is one array index.
 */
import type { CID } from 'multiformats/cid'

/**
 * One key/value entry. Its value is held as given to `set`, or (loaded from a block) only as its
 * DAG-CBOR bytes `encoded[start, end)`, decoded on each read (value.ts). Holding bytes instead of
 * decoded records keeps a loaded 8 KiB leaf at one buffer instead of ~30 object graphs: measured,
 * decoding a leaf cost ~0.5 ms and the decoded records grew the heap by ~60 KB per leaf, which
 * made flushes of a warm map mostly GC. Encoding points `encoded` at the node's new bytes.
 */
export interface Entry {
  readonly key: Uint8Array
  /** The value given to `set`; undefined when only its bytes are known (a loaded entry). */
  readonly value: unknown
  /** The buffer holding the value's DAG-CBOR bytes, once encoded or loaded. */
  encoded: Uint8Array | undefined
  start: number
  end: number
}

/** An entry for a value given to `set` (its bytes are made when first needed). */
export function givenEntry (key: Uint8Array, value: unknown): Entry {
  return { key, value, encoded: undefined, start: 0, end: 0 }
}

/** 1..bucketSize entries sorted by key bytes. */
export type Bucket = Entry[]

/** A link to a child node: its last stored CID and, once loaded or created, the node itself. */
export class Link {
  /** CID of the child as last stored or loaded; stale while `node.dirty`. */
  cid: CID | undefined
  node: HamtNode | undefined

  constructor (cid: CID | undefined, node?: HamtNode) {
    this.cid = cid
    this.node = node
  }
}

/** A slot of a node. */
export type Slot = Bucket | Link | undefined

/**
 * A HAMT node in memory. It keeps its last encoding and where each slot sits in it, so that
 * re-encoding after a change copies the bytes of untouched buckets instead of re-encoding their
 * values (one buffer per node rather than one per value also keeps the GC's work small).
 */
export class HamtNode {
  readonly slots: Slot[]
  /** Changed since it was last encoded. */
  dirty: boolean
  /** CID of its last encoding (loaded or flushed); undefined if never encoded. */
  cid: CID | undefined
  /** Its last encoding, if any. */
  bytes: Uint8Array | undefined
  /** [start, end) of each slot's pointer in `bytes`; end 0 = not usable (changed since). */
  spans: Uint32Array | undefined

  constructor (slotCount: number, cid?: CID) {
    this.slots = new Array<Slot>(slotCount).fill(undefined)
    this.cid = cid
    this.dirty = cid === undefined
    this.bytes = undefined
    this.spans = undefined
  }

  /** Records a change to slot `index`: the node is dirty and that slot's cached bytes are stale. */
  touch (index: number): void {
    this.dirty = true
    if (this.spans !== undefined) this.spans[2 * index + 1] = 0
  }
}

/** Type guard: the slot holds a bucket. */
export function isBucket (slot: Slot): slot is Bucket {
  return Array.isArray(slot)
}

/** Lexicographic byte order, shorter prefix first (Go's bytes.Compare, Rust's Vec<u8> Ord). */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/** Index of `key` in the bucket, or -1. */
export function findInBucket (bucket: Bucket, key: Uint8Array): number {
  for (let i = 0; i < bucket.length; i++) {
    if (compareBytes(bucket[i].key, key) === 0) return i
  }
  return -1
}

/** Inserts an entry whose key is not in the bucket, keeping key order. */
export function insertSorted (bucket: Bucket, entry: Entry): void {
  let i = bucket.length
  while (i > 0 && compareBytes(bucket[i - 1].key, entry.key) > 0) i--
  bucket.splice(i, 0, entry)
}

/**
 * The single bucket a child node collapses into, or undefined when it must stay a node: it has a
 * link, or more than `bucketSize` entries (go-hamt-ipld `cleanChild`, ref-fvm `Pointer::clean`).
 * Entries are re-sorted because they come from several slots.
 */
export function collapseInto (node: HamtNode, bucketSize: number): Bucket | undefined {
  const entries: Entry[] = []
  let buckets = 0
  let only: Bucket | undefined
  for (const slot of node.slots) {
    if (slot === undefined) continue
    if (!isBucket(slot)) return undefined
    if (entries.length + slot.length > bucketSize) return undefined
    entries.push(...slot)
    buckets++
    only = slot
  }
  if (buckets === 1 && only !== undefined) return only
  return entries.sort((a, b) => compareBytes(a.key, b.key))
}

/** Counts a node's own entries (in its buckets), its links and its occupied slots. */
export function countEntries (node: HamtNode): { entries: number, links: number, slots: number } {
  let entries = 0
  let links = 0
  let slots = 0
  for (const slot of node.slots) {
    if (slot === undefined) continue
    slots++
    if (isBucket(slot)) entries += slot.length
    else links++
  }
  return { entries, links, slots }
}
