/**
 * A Filecoin HAMT v3 map over an injected block store (go-hamt-ipld v3 / ref-fvm format).
 *
 * Mutations happen in memory: they mark the nodes on their path dirty and hash nothing but the key.
 * `flush()` encodes only dirty nodes, children first, and writes only blocks whose CID changed, so a
 * set that changes nothing writes nothing. Every mutation locates its slot synchronously over nodes
 * already in memory; when it meets a link not yet loaded it loads it and starts again from the
 * root, so concurrent calls never act on a node that another call has detached.
 *
 * Keys and values handed in or out are the map's own: treat them as read-only. A value loaded from
 * a block is kept as its DAG-CBOR bytes and decoded on each read (a fresh object every time);
 * a value given to `set` is returned as given.
 */
import assert from 'node:assert'
import { InvalidHamtValueError } from '../errors.js'
import { encodeNode } from './codec.js'
import { hashKey, slotIndex } from './key-hash.js'
import { loadNode } from './load.js'
import { collapseInto, findInBucket, givenEntry, HamtNode, insertSorted, isBucket, Link } from './node.js'
import { resolveHamtOptions } from './types.js'
import { entryValue, sameValue } from './value.js'
import type { EncodedNode } from './codec.js'
import type { Bucket, Entry } from './node.js'
import type { BlockStore, HamtConfig, HamtOptions } from './types.js'
import type { CID } from 'multiformats/cid'

/** Where a key belongs: the node holding its slot, and the links followed to reach it. */
interface Position {
  readonly path: readonly HamtNode[]
  readonly node: HamtNode
  readonly depth: number
  readonly index: number
}

/** A Filecoin HAMT v3 map from byte keys to IPLD values stored inline. */
export class Hamt {
  /** The options this map reads and writes with. */
  readonly config: HamtConfig
  private readonly store: BlockStore
  private readonly root: HamtNode
  private readonly path: HamtNode[] = []
  private readonly pathIndexes: number[] = []
  private flushing: Promise<CID> | undefined

  private constructor (store: BlockStore, config: HamtConfig, root: HamtNode) {
    this.store = store
    this.config = config
    this.root = root
  }

  /** A new empty map; nothing is written until `flush()`. */
  static async create (store: BlockStore, options: HamtOptions = {}): Promise<Hamt> {
    const config = resolveHamtOptions(options)
    return new Hamt(store, config, new HamtNode(1 << config.bitWidth))
  }

  /** Opens the map rooted at `root`; the root node is read and checked now, children on demand. */
  static async load (store: BlockStore, root: CID, options: HamtOptions = {}): Promise<Hamt> {
    const config = resolveHamtOptions(options)
    const { node } = await loadNode(store, root, config, true)
    return new Hamt(store, config, node)
  }

  /** The value stored under `key`, or undefined. */
  async get (key: Uint8Array): Promise<unknown> {
    const entry = await this.find(key)
    return entry === undefined ? undefined : entryValue(entry)
  }

  /** Whether `key` is in the map. */
  async has (key: Uint8Array): Promise<boolean> {
    return (await this.find(key)) !== undefined
  }

  /** Stores `value` (an IPLD data model value) under `key`. */
  async set (key: Uint8Array, value: unknown): Promise<void> {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      throw new InvalidHamtValueError(`${typeof value} is not an IPLD data model value`)
    }
    const hash = hashKey(key, this.config.hashAlg)
    let at = this.locate(hash)
    while (at instanceof Link) {
      await this.loadLink(at)
      at = this.locate(hash)
    }
    // from here on synchronous: no other call runs between locating the slot and changing it
    const { path, node, depth, index } = at
    const slot = node.slots[index] as Bucket | undefined
    const entry = givenEntry(key.slice(), value)
    if (slot === undefined) {
      node.slots[index] = [entry]
    } else {
      const i = findInBucket(slot, key)
      if (i >= 0) {
        if (sameValue(slot[i], entry)) return
        slot[i] = entry
      } else if (slot.length < this.config.bucketSize) {
        insertSorted(slot, entry)
      } else {
        // the (bucketSize+1)-th key at this slot: the bucket moves down into a new child node
        node.slots[index] = new Link(undefined, this.pushDown(slot, entry, hash, depth + 1))
      }
    }
    node.touch(index)
    for (const parent of path) parent.dirty = true
  }

  /** Removes `key`; returns whether it was there. Children left small enough collapse upwards. */
  async delete (key: Uint8Array): Promise<boolean> {
    const hash = hashKey(key, this.config.hashAlg)
    let at = this.locate(hash)
    while (at instanceof Link) {
      await this.loadLink(at)
      at = this.locate(hash)
    }
    const { path, node, index } = at
    const slot = node.slots[index] as Bucket | undefined
    if (slot === undefined) return false
    const i = findInBucket(slot, key)
    if (i < 0) return false
    if (slot.length === 1) node.slots[index] = undefined
    else slot.splice(i, 1)
    node.touch(index)

    let child = node
    let collapsing = true
    for (let k = path.length - 1; k >= 0; k--) {
      const parent = path[k]
      const linkIndex = this.pathIndexes[k]
      parent.dirty = true
      if (collapsing) {
        const bucket = collapseInto(child, this.config.bucketSize)
        if (bucket === undefined) {
          collapsing = false
        } else {
          parent.slots[linkIndex] = bucket.length === 0 ? undefined : bucket
          parent.touch(linkIndex)
        }
      }
      child = parent
    }
    return true
  }

  /**
   * Writes every changed node (children first) and returns the root CID. Flushes run one after
   * another, so a root is returned only once every block under it is stored.
   */
  async flush (): Promise<CID> {
    const previous = this.flushing
    const current = (async () => {
      await previous?.catch(() => {})
      return this.flushNow()
    })()
    this.flushing = current
    return current
  }

  private async flushNow (): Promise<CID> {
    const encoded: HamtNode[] = []
    const blocks: EncodedNode[] = []
    try {
      const root = this.encodeDirty(this.root, encoded, blocks)
      const puts: Array<Promise<void>> = []
      for (const block of blocks) puts.push(this.store.put(block.cid, block.bytes))
      await Promise.all(puts)
      return root
    } catch (err: unknown) {
      // nothing of this flush may count as stored: the next flush writes these nodes again
      for (const node of encoded) {
        node.dirty = true
        node.cid = undefined
      }
      throw err
    }
  }

  /** Every entry as [key, value], in tree order (slot order, depth first). */
  async * entries (): AsyncGenerator<[Uint8Array, unknown]> {
    const stack: Array<{ node: HamtNode, next: number }> = [{ node: this.root, next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      if (top.next >= top.node.slots.length) {
        stack.pop()
        continue
      }
      const slot = top.node.slots[top.next++]
      if (slot === undefined) continue
      if (isBucket(slot)) {
        for (const entry of slot) yield [entry.key, entryValue(entry)]
        continue
      }
      stack.push({ node: slot.node ?? await this.loadLink(slot), next: 0 })
    }
  }

  private async find (key: Uint8Array): Promise<Entry | undefined> {
    const hash = hashKey(key, this.config.hashAlg)
    let at = this.locate(hash)
    while (at instanceof Link) {
      await this.loadLink(at)
      at = this.locate(hash)
    }
    const slot = at.node.slots[at.index] as Bucket | undefined
    if (slot === undefined) return undefined
    const i = findInBucket(slot, key)
    return i < 0 ? undefined : slot[i]
  }

  /**
   * Descends synchronously from the root to the node holding the key's slot, or returns the first
   * link on the way whose node is not loaded yet. `path` (the nodes above, with the index of each
   * link followed in `pathIndexes`) is scratch space reused by every call: valid until the next await.
   */
  private locate (hash: Uint8Array): Position | Link {
    const path = this.path
    path.length = 0
    this.pathIndexes.length = 0
    let node = this.root
    for (let depth = 0; ; depth++) {
      const index = slotIndex(hash, depth, this.config.bitWidth)
      const slot = node.slots[index]
      if (slot === undefined || isBucket(slot)) return { path, node, depth, index }
      if (slot.node === undefined) return slot
      path.push(node)
      this.pathIndexes.push(index)
      node = slot.node
    }
  }

  private async loadLink (link: Link): Promise<HamtNode> {
    const cid = link.cid
    assert(cid !== undefined, 'a link without a node has a CID')
    const { node } = await loadNode(this.store, cid, this.config, false)
    // a concurrent load of the same link may have won; keep the first node
    if (link.node === undefined && link.cid === cid) link.node = node
    return link.node ?? node
  }

  /** A new child holding a full bucket plus one more entry, at `depth`. */
  private pushDown (bucket: Bucket, entry: Entry, hash: Uint8Array, depth: number): HamtNode {
    const child = new HamtNode(1 << this.config.bitWidth)
    this.insertFresh(child, entry, hash, depth)
    for (const moved of bucket) this.insertFresh(child, moved, hashKey(moved.key, this.config.hashAlg), depth)
    return child
  }

  /** Inserts a key that is not in this new subtree (all its nodes are in memory). */
  private insertFresh (node: HamtNode, entry: Entry, hash: Uint8Array, depth: number): void {
    const index = slotIndex(hash, depth, this.config.bitWidth)
    const slot = node.slots[index]
    if (slot === undefined) {
      node.slots[index] = [entry]
    } else if (isBucket(slot)) {
      if (slot.length < this.config.bucketSize) insertSorted(slot, entry)
      else node.slots[index] = new Link(undefined, this.pushDown(slot, entry, hash, depth + 1))
    } else if (slot.node !== undefined) {
      this.insertFresh(slot.node, entry, hash, depth + 1)
    }
  }

  /** Encodes dirty nodes depth first; collects the blocks whose CID changed. */
  private encodeDirty (node: HamtNode, encoded: HamtNode[], blocks: EncodedNode[]): CID {
    if (!node.dirty && node.cid !== undefined) return node.cid
    for (const slot of node.slots) {
      if (slot instanceof Link && slot.node !== undefined && (slot.node.dirty || slot.cid === undefined)) {
        slot.cid = this.encodeDirty(slot.node, encoded, blocks)
      }
    }
    const block = encodeNode(node)
    if (node.cid === undefined || !node.cid.equals(block.cid)) blocks.push(block)
    encoded.push(node)
    node.cid = block.cid
    node.dirty = false
    return block.cid
  }
}
