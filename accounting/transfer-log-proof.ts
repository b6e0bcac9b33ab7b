/**
 * Receipt proofs of the transfer log: a CARv1 whose one root is the log head's CID (the log root),
 * whose first block is the signed head and whose other blocks are the HAMT lookup path of the
 * record's 8-byte seq key, root first. The same shape proves absence (exclusion) of a seq.
 */
import { hashKey, slotIndex } from '../protocol/hamt/key-hash.js'
import { loadNode } from '../protocol/hamt/load.js'
import { isBucket } from '../protocol/hamt/node.js'
import { encodeProofCar, hamtPathBlocks } from '../protocol/hamt/proof.js'
import { resolveHamtOptions } from '../protocol/hamt/types.js'
import { transferLogKey } from '../protocol/transfer-record.js'
import type { LogHead } from '../protocol/log-head.js'
import type { LoadedNode } from '../protocol/hamt/load.js'
import type { BlockStore, HamtConfig, HamtOptions } from '../protocol/hamt/types.js'
import type { HamtProofResult, ProofBlock } from '../protocol/hamt/proof.js'
import type { CID } from 'multiformats/cid'

/** A committed head: the signed value, its encoding and its CID (the log root). */
export interface StoredLogHead {
  head: LogHead
  bytes: Uint8Array
  cid: CID
}

/** The proof CAR of `seq` under `stored` and what the HAMT lookup found. */
export async function buildLogProof (store: BlockStore, stored: StoredLogHead, seq: number, options: HamtOptions = {}): Promise<{ car: Uint8Array, result: HamtProofResult }> {
  const { blocks, result } = await hamtPathBlocks(store, stored.head.hamt, transferLogKey(seq), options)
  return { car: encodeProofCar(stored.cid, [{ cid: stored.cid, bytes: stored.bytes }, ...blocks]), result }
}

/**
 * Receipt proofs under one head that decode each node once: a group commit's records share most
 * of their path (with the log's identity hash, 16 consecutive records share a whole path), and
 * decoding and hashing the path blocks anew for every receipt was the largest cost of a commit's
 * receipts (~17% of a 256-concurrent charge's CPU in ledger.bench's profile). The walk is
 * `hamtPathBlocks`' lookup: an empty slot or a bucket ends the path, a link is followed.
 */
export class LogProofBuilder {
  /** The head these proofs are under. */
  readonly stored: StoredLogHead
  private readonly store: BlockStore
  private readonly config: HamtConfig
  private readonly nodes = new Map<string, Promise<LoadedNode>>()

  constructor (store: BlockStore, stored: StoredLogHead, options: HamtOptions = {}) {
    this.store = store
    this.stored = stored
    this.config = resolveHamtOptions(options)
  }

  /** The proof CAR of `seq` under the head: the head block, then the lookup path, root first. */
  async build (seq: number): Promise<Uint8Array> {
    const hash = hashKey(transferLogKey(seq), this.config.hashAlg)
    const blocks: ProofBlock[] = [{ cid: this.stored.cid, bytes: this.stored.bytes }]
    let cid: CID = this.stored.head.hamt
    for (let depth = 0; ; depth++) {
      const { node, bytes } = await this.load(cid, depth === 0)
      blocks.push({ cid, bytes })
      const slot = node.slots[slotIndex(hash, depth, this.config.bitWidth)]
      if (slot === undefined || isBucket(slot)) return encodeProofCar(this.stored.cid, blocks)
      // a decoded node carries the CID of every link
      cid = slot.cid as CID
    }
  }

  private async load (cid: CID, isRoot: boolean): Promise<LoadedNode> {
    const id = cid.toString()
    let loaded = this.nodes.get(id)
    if (loaded === undefined) {
      loaded = loadNode(this.store, cid, this.config, isRoot)
      this.nodes.set(id, loaded)
      // a failed read is not remembered: the next receipt tries again
      loaded.catch(() => { this.nodes.delete(id) })
    }
    return loaded
  }
}
