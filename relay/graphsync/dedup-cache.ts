/**
 * Blocks a request already received, for links the responder later marks `d` (duplicate, not
 * sent). A block enters when its message arrives (its bytes already hash to its CID), before the
 * walk reaches it, so a request sharing a dedup-by-key group can resolve a `d` for a block another
 * request of the group received but has not consumed yet. Raw blocks have no links, so only the
 * fact is kept (an empty bytes node stands in); other blocks are kept while they fit the budget
 * and decoded when asked for.
 */
import { decodeBlock, RAW_CODE } from '../../protocol/block.js'
import type { CID } from 'multiformats/cid'

const EMPTY = new Uint8Array(0)

/** A byte-bounded map of CID → block bytes. */
export class DedupCache {
  private readonly blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
  private readonly maxBytes: number
  private bytes = 0

  constructor (maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /** Remembers a received block (raw blocks cost nothing); past the budget it is not kept. */
  add (cid: CID, bytes: Uint8Array): void {
    const key = cid.toString()
    if (this.blocks.has(key)) return
    if (cid.code === RAW_CODE) {
      this.blocks.set(key, { cid, bytes: EMPTY })
      return
    }
    if (this.bytes + bytes.byteLength > this.maxBytes) return
    this.bytes += bytes.byteLength
    this.blocks.set(key, { cid, bytes })
  }

  /** The decoded node of a block received earlier, or undefined. */
  get (cid: CID, maxBlockBytes: number): unknown {
    const block = this.blocks.get(cid.toString())
    if (block === undefined) return undefined
    return block.cid.code === RAW_CODE ? EMPTY : decodeBlock(block.cid, block.bytes, { maxBlockBytes })
  }
}
