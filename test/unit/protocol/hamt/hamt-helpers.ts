/**
 * Shared helpers of the HAMT tests: byte keys, a counting block store, hand-made node blocks.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { blake2b256 } from '../../../../protocol/hashes.js'
import { MemoryBlockStore } from '../../../../protocol/hamt/memory-block-store.js'

/** UTF-8 bytes of a string (ref-fvm's `tstring`: `BytesKey(v.to_string().into_bytes())`). */
export const bytes = (text: string | number): Uint8Array => new TextEncoder().encode(String(text))

/** An 8-byte big-endian sequence number, the transfer log's key. */
export function seqKey (seq: number): Uint8Array {
  const key = new Uint8Array(8)
  new DataView(key.buffer).setBigUint64(0, BigInt(seq))
  return key
}

/** The unsigned-varint bytes of n (ref-fvm's clean_child_ordering keys). */
export function varintKey (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return new Uint8Array(out)
}

/** A MemoryBlockStore that counts reads and writes like ref-fvm's TrackingBlockstore. */
export class CountingStore extends MemoryBlockStore {
  reads = 0
  writes = 0
  failNextPut = false

  override async get (cid: CID): Promise<Uint8Array | undefined> {
    this.reads++
    return super.get(cid)
  }

  override async put (cid: CID, data: Uint8Array): Promise<void> {
    if (this.failNextPut) {
      this.failNextPut = false
      throw new Error('disk full')
    }
    this.writes++
    await super.put(cid, data)
  }
}

/** Encodes `data` as DAG-CBOR and stores it under its blake2b-256 CID. */
export async function putNode (store: MemoryBlockStore, data: unknown): Promise<CID> {
  const encoded = dagCbor.encode(data)
  const cid = CID.createV1(dagCbor.code, blake2b256.digest(encoded))
  await store.put(cid, encoded)
  return cid
}

/** Stores raw bytes under a blake2b-256 CID of the given codec (dag-cbor unless told). */
export async function putBytes (store: MemoryBlockStore, data: Uint8Array, codec: number = dagCbor.code): Promise<CID> {
  const cid = CID.createV1(codec, blake2b256.digest(data))
  await store.put(cid, data)
  return cid
}
