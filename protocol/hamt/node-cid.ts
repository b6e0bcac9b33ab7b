/**
 * The CID of a node block (v1, dag-cbor, blake2b-256), built in one buffer of its own: the digest,
 * multihash and CID bytes are views of it. `CID.createV1(code, hasher.digest(bytes))` makes three
 * small arrays and then forces each onto its own ArrayBuffer (multiformats checks `.buffer`), which
 * showed as ~10% of a 1,000-change flush in a CPU profile; one buffer per CID keeps exactly the
 * CID's lifetime (a shared slab would be pinned by any surviving CID).
 */
import { createBLAKE2b } from 'hash-wasm'
import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'
import { DAG_CBOR_CODE } from '../block.js'
import { BLAKE2B_256_CODE } from '../hashes.js'

const DIGEST_BYTES = 32
// CIDv1 header: version 1, codec 0x71, then the multihash: varint 0xb220 (a0 e4 02), length 32
const PREFIX = Uint8Array.of(0x01, DAG_CBOR_CODE, 0xa0, 0xe4, 0x02, DIGEST_BYTES)
const MULTIHASH_AT = 2
const DIGEST_AT = PREFIX.length

// hash-wasm, as protocol/hashes.ts (which says why); an instance of our own, whose raw digest we
// copy into the CID's buffer. Synchronous: calls never interleave.
const blake2b = await createBLAKE2b(8 * DIGEST_BYTES)

/** The CID of the node block `bytes`. */
export function nodeCid (bytes: Uint8Array): CID {
  blake2b.init()
  blake2b.update(bytes)
  const digest = blake2b.digest('binary')
  const cidBytes = new Uint8Array(new ArrayBuffer(DIGEST_AT + DIGEST_BYTES))
  cidBytes.set(PREFIX)
  cidBytes.set(digest, DIGEST_AT)
  const multihash = new Digest(BLAKE2B_256_CODE, DIGEST_BYTES, cidBytes.subarray(DIGEST_AT), cidBytes.subarray(MULTIHASH_AT))
  return new CID(1, DAG_CBOR_CODE, multihash, cidBytes)
}
