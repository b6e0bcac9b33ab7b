/**
 * Receipt proofs of the transfer log: a CARv1 whose one root is the log head's CID (the log root),
 * whose first block is the signed head and whose other blocks are the HAMT lookup path of the
 * record's 8-byte seq key, root first. The same shape proves absence (exclusion) of a seq.
 */
import { encodeProofCar, hamtPathBlocks } from '../protocol/hamt/proof.js'
import { transferLogKey } from '../protocol/transfer-record.js'
import type { LogHead } from '../protocol/log-head.js'
import type { HamtOptions, BlockStore } from '../protocol/hamt/types.js'
import type { HamtProofResult } from '../protocol/hamt/proof.js'
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
