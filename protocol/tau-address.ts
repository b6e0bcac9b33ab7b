/**
 * TAU addresses (DESIGN.md §3): 20 bytes = the last 20 bytes of keccak-256 over the 64-byte raw
 * public key (the Ethereum rule), written as `T` + base58btc(address ‖ 4-byte double-sha2-256
 * checksum), the Bitcoin Base58Check layout without a version byte.
 */
import { keccak_256 as keccak256 } from '@noble/hashes/sha3.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import { equals } from 'multiformats/bytes'
import { InvalidTauAddressError } from './errors.js'
import { rawTauPublicKey, tauPublicKeyFromPrivateKey } from './tau-key.js'

/** Length of a TAU address in bytes. */
export const TAU_ADDRESS_BYTES = 20
/** Leading character of the text form of a TAU address. */
export const TAU_ADDRESS_PREFIX = 'T'
/** Length of the checksum appended before base58 encoding. */
export const TAU_ADDRESS_CHECKSUM_BYTES = 4
/**
 * Longest text we try to decode: base58 of 24 bytes is at most 33 characters (24 · log 256 / log 58
 * rounded up), plus the prefix. Checked before decoding so hostile input never costs a big-number decode.
 */
export const MAX_TAU_ADDRESS_TEXT_LENGTH = 34

/** Asserts that `value` is a 20-byte TAU address, throwing `InvalidTauAddressError` otherwise. */
export function assertTauAddressBytes (value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidTauAddressError('encoding', 'invalid TAU address: not bytes')
  if (value.length !== TAU_ADDRESS_BYTES) throw new InvalidTauAddressError('length')
}

/** The TAU address of a secp256k1 public key in 33-, 64- or 65-byte form. */
export function tauAddressFromPublicKey (publicKey: Uint8Array): Uint8Array {
  const hash = keccak256(rawTauPublicKey(publicKey))
  return hash.slice(hash.length - TAU_ADDRESS_BYTES)
}

/** The TAU address of a private key. */
export function tauAddressFromPrivateKey (privateKey: Uint8Array): Uint8Array {
  return tauAddressFromPublicKey(tauPublicKeyFromPrivateKey(privateKey))
}

/** Whether two byte strings are the same TAU address (both are checked to be 20 bytes). */
export function tauAddressEquals (a: Uint8Array, b: Uint8Array): boolean {
  assertTauAddressBytes(a)
  assertTauAddressBytes(b)
  return equals(a, b)
}

function checksum (address: Uint8Array): Uint8Array {
  return sha256(sha256(address)).subarray(0, TAU_ADDRESS_CHECKSUM_BYTES)
}

/** The text form of a TAU address: `T` + base58btc(address ‖ checksum), without a multibase prefix. */
export function formatTauAddress (address: Uint8Array): string {
  assertTauAddressBytes(address)
  const payload = new Uint8Array(TAU_ADDRESS_BYTES + TAU_ADDRESS_CHECKSUM_BYTES)
  payload.set(address)
  payload.set(checksum(address), TAU_ADDRESS_BYTES)
  return TAU_ADDRESS_PREFIX + base58btc.baseEncode(payload)
}

/** Parses the text form of a TAU address, checking prefix, encoding, length and checksum in that order. */
export function parseTauAddress (text: string): Uint8Array {
  if (typeof text !== 'string' || !text.startsWith(TAU_ADDRESS_PREFIX)) throw new InvalidTauAddressError('prefix')
  if (text.length > MAX_TAU_ADDRESS_TEXT_LENGTH) throw new InvalidTauAddressError('length')
  let payload: Uint8Array
  try {
    payload = base58btc.baseDecode(text.slice(TAU_ADDRESS_PREFIX.length))
  } catch {
    throw new InvalidTauAddressError('encoding')
  }
  if (payload.length !== TAU_ADDRESS_BYTES + TAU_ADDRESS_CHECKSUM_BYTES) throw new InvalidTauAddressError('length')
  const address = payload.slice(0, TAU_ADDRESS_BYTES)
  if (!equals(checksum(address), payload.subarray(TAU_ADDRESS_BYTES))) throw new InvalidTauAddressError('checksum')
  return address
}
