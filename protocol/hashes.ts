/**
 * The multihash functions we verify, as multiformats hashers with synchronous `digest`.
 *
 * sha2-256 is multiformats' Node hasher (node:crypto, ~1.7 GB/s on 256 KiB blocks here);
 * blake2b-256 is hash-wasm (~1 GB/s on 256 KiB, 1.1 µs per 300-byte node) because
 * @noble/hashes' blake2b ran at 31–44 MB/s on the same machine and would dominate HAMT flushes.
 * Measured with a throwaway script on the 2-core dev machine, Node 20.20.
 */
import { createBLAKE2b } from 'hash-wasm'
import { from } from 'multiformats/hashes/hasher'
import { identity as mfIdentity } from 'multiformats/hashes/identity'
import { sha256 as mfSha256 } from 'multiformats/hashes/sha2'
import { UnsupportedHashError } from './errors.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** Multicodec code of blake2b-256. */
export const BLAKE2B_256_CODE = 0xb220
/** Multicodec code of sha2-256. */
export const SHA2_256_CODE = 0x12
/** Multicodec code of the identity multihash. */
export const IDENTITY_CODE = 0x00

// One WASM instance, initialised once; digest is synchronous so calls never interleave.
const blake2bState = await createBLAKE2b(256)

/** A multihash function whose digest is synchronous (all of ours are). */
export interface SyncHasher<Code extends number = number> {
  readonly code: Code
  readonly name: string
  digest: (input: Uint8Array) => MultihashDigest<Code>
}

/** blake2b-256 (multihash 0xb220), the hash of Filecoin HAMT blocks. */
export const blake2b256 = from({
  name: 'blake2b-256',
  code: BLAKE2B_256_CODE,
  encode: (input: Uint8Array): Uint8Array<ArrayBuffer> => {
    blake2bState.init()
    blake2bState.update(input)
    return blake2bState.digest('binary') as Uint8Array<ArrayBuffer>
  }
}) as unknown as SyncHasher<typeof BLAKE2B_256_CODE>

/** sha2-256 (multihash 0x12) via node:crypto, the hash of most IPFS blocks and of HAMT keys. */
export const sha256 = mfSha256 as unknown as SyncHasher<typeof SHA2_256_CODE>

/** The identity multihash (0x00): the digest is the input. */
export const identity = mfIdentity as unknown as SyncHasher<typeof IDENTITY_CODE>

const HASHERS = new Map<number, SyncHasher>([
  [SHA2_256_CODE, sha256],
  [BLAKE2B_256_CODE, blake2b256],
  [IDENTITY_CODE, identity]
])

/** Returns the hasher for a multihash code, or throws UnsupportedHashError. */
export function hasherFor (code: number): SyncHasher {
  const hasher = HASHERS.get(code)
  if (hasher === undefined) throw new UnsupportedHashError(code)
  return hasher
}

/** Hashes `bytes` with the function of `code`; synchronous. */
export function digestWith (code: number, bytes: Uint8Array): MultihashDigest {
  return hasherFor(code).digest(bytes)
}
