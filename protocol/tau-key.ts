/**
 * TAU keys (DESIGN.md §3): secp256k1 private keys and their public keys in the three encodings
 * peers send (33-byte compressed, 65-byte uncompressed, 64-byte raw x‖y). Pure: a new key is made
 * from 32 random bytes the caller injects (e.g. `secp256k1.utils.randomSecretKey()` in relay/).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { InvalidKeyError } from './errors.js'

/** Length of a TAU private key: one secp256k1 scalar. */
export const TAU_PRIVATE_KEY_BYTES = 32
/** Length of a compressed SEC1 public key (0x02/0x03 ‖ x). */
export const TAU_PUBLIC_KEY_COMPRESSED_BYTES = 33
/** Length of an uncompressed SEC1 public key (0x04 ‖ x ‖ y). */
export const TAU_PUBLIC_KEY_UNCOMPRESSED_BYTES = 65
/** Length of a raw public key (x ‖ y, the uncompressed form without 0x04), what addresses hash. */
export const TAU_PUBLIC_KEY_RAW_BYTES = 64

const UNCOMPRESSED_PREFIX = 0x04

/** Checks that `bytes` are a valid private key (32 bytes, 1 ≤ k < n) and returns a copy. */
export function tauPrivateKeyFromBytes (bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== TAU_PRIVATE_KEY_BYTES) {
    throw new InvalidKeyError(`private key must be ${TAU_PRIVATE_KEY_BYTES} bytes`)
  }
  if (!secp256k1.utils.isValidSecretKey(bytes)) {
    throw new InvalidKeyError('private key is zero or not below the curve order')
  }
  return Uint8Array.from(bytes)
}

/** Derives the 65-byte uncompressed public key of a private key. */
export function tauPublicKeyFromPrivateKey (privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(tauPrivateKeyFromBytes(privateKey), false)
}

/** Normalises a 33-, 64- or 65-byte public key to its 65-byte uncompressed form, checking it is on the curve. */
export function uncompressedTauPublicKey (publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array)) throw new InvalidKeyError('public key must be bytes')
  let sec1 = publicKey
  if (publicKey.length === TAU_PUBLIC_KEY_RAW_BYTES) {
    sec1 = new Uint8Array(TAU_PUBLIC_KEY_UNCOMPRESSED_BYTES)
    sec1[0] = UNCOMPRESSED_PREFIX
    sec1.set(publicKey, 1)
  } else if (publicKey.length !== TAU_PUBLIC_KEY_COMPRESSED_BYTES && publicKey.length !== TAU_PUBLIC_KEY_UNCOMPRESSED_BYTES) {
    throw new InvalidKeyError(`public key must be ${TAU_PUBLIC_KEY_COMPRESSED_BYTES}, ${TAU_PUBLIC_KEY_RAW_BYTES} or ${TAU_PUBLIC_KEY_UNCOMPRESSED_BYTES} bytes`)
  }
  try {
    // fromBytes checks the prefix and that the point is on the curve and not infinity
    return secp256k1.Point.fromBytes(sec1).toBytes(false)
  } catch (err: unknown) {
    throw new InvalidKeyError(`public key is not a secp256k1 point: ${(err as Error).message}`)
  }
}

/** Returns the 64-byte raw form (x ‖ y) of any accepted public key encoding. */
export function rawTauPublicKey (publicKey: Uint8Array): Uint8Array {
  return uncompressedTauPublicKey(publicKey).subarray(1)
}
