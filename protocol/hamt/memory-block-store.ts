/**
 * A block store in memory, for tests, proofs and short-lived maps. Blocks are keyed by the whole
 * CID (its string form, which multiformats caches on the CID).
 */
import type { BlockStore } from './types.js'
import type { CID } from 'multiformats/cid'

/** A BlockStore backed by a Map. */
export class MemoryBlockStore implements BlockStore {
  private readonly blocks = new Map<string, Uint8Array>()

  /** The bytes stored under `cid`, or undefined. */
  async get (cid: CID): Promise<Uint8Array | undefined> {
    return this.blocks.get(keyOf(cid))
  }

  /** Stores `bytes` under `cid` (the caller guarantees they hash to it). */
  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    this.blocks.set(keyOf(cid), bytes)
  }

  /** Whether a block is stored under `cid`. */
  async has (cid: CID): Promise<boolean> {
    return this.blocks.has(keyOf(cid))
  }

  /** Removes the block under `cid`; returns whether it was there. */
  async delete (cid: CID): Promise<boolean> {
    return this.blocks.delete(keyOf(cid))
  }

  /** The number of blocks stored. */
  get size (): number {
    return this.blocks.size
  }
}

function keyOf (cid: CID): string {
  return cid.toString()
}
