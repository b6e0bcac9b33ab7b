/**
 * TAU signatures (DESIGN.md §3): 65 bytes r(32) ‖ s(32) ‖ v(1), v ∈ {0,1} the recovery id, low-s
 * only, over sha2-256(domain ‖ 0x00 ‖ DAG-CBOR(object without its `sig` field)). Verification
 * recovers the public key and compares its address, so a signature names its signer.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { equals } from 'multiformats/bytes'
import { InvalidSignatureError, MalformedMessageError } from './errors.js'
import { assertTauAddressBytes, tauAddressFromPublicKey } from './tau-address.js'
import { assertTauDomain } from './tau-domains.js'
import { tauPrivateKeyFromBytes } from './tau-key.js'

/** Length of a TAU signature. */
export const TAU_SIGNATURE_BYTES = 65
/** Length of the digest a TAU signature signs. */
export const TAU_DIGEST_BYTES = 32
/** Name of the field that carries an object's own signature and is left out of what is signed. */
export const SIG_FIELD = 'sig'

/** Why a TAU signature was refused, in the order the checks run. */
export type TauSignatureFailure = 'length' | 'v' | 'r_or_s_range' | 'high_s' | 'recovery' | 'wrong_signer'

const SCALAR_BYTES = 32
const CURVE_ORDER = secp256k1.Point.Fn.ORDER
const HALF_ORDER = CURVE_ORDER >> 1n
const DOMAIN_SEPARATOR = 0x00

function bytesToBigInt (bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function assertDigest (digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== TAU_DIGEST_BYTES) {
    throw new MalformedMessageError('digest', `digest must be ${TAU_DIGEST_BYTES} bytes`)
  }
}

/** The bytes whose sha2-256 is signed: ASCII domain ‖ 0x00 ‖ DAG-CBOR(object without `sig`). */
export function signingPayload (domain: string, object: Record<string, unknown>): Uint8Array {
  assertTauDomain(domain)
  if (typeof object !== 'object' || object === null || Array.isArray(object) || object instanceof Uint8Array) {
    throw new MalformedMessageError('', 'signed value must be a map')
  }
  const entries = Object.entries(object).filter(([key]) => key !== SIG_FIELD)
  for (const [key, value] of entries) {
    // DAG-CBOR has no undefined; an optional field must be omitted, not set to undefined
    if (value === undefined) throw new MalformedMessageError(key, 'undefined value')
  }
  // fromEntries defines own properties, so a `__proto__` key stays data and is signed as such
  const unsigned = Object.fromEntries(entries)
  let body: Uint8Array
  try {
    body = dagCbor.encode(unsigned)
  } catch (err: unknown) {
    throw new MalformedMessageError('', `not encodable as DAG-CBOR: ${(err as Error).message}`)
  }
  const prefix = new TextEncoder().encode(domain)
  const payload = new Uint8Array(prefix.length + 1 + body.length)
  payload.set(prefix)
  payload[prefix.length] = DOMAIN_SEPARATOR
  payload.set(body, prefix.length + 1)
  return payload
}

/** The 32-byte digest a TAU signature over `object` in `domain` signs. */
export function signingDigest (domain: string, object: Record<string, unknown>): Uint8Array {
  return sha256(signingPayload(domain, object))
}

/** Signs a 32-byte digest: deterministic (RFC 6979), low-s, returned as r ‖ s ‖ v. */
export function signTauDigest (privateKey: Uint8Array, digest: Uint8Array): Uint8Array {
  const key = tauPrivateKeyFromBytes(privateKey)
  assertDigest(digest)
  // noble's 'recovered' layout is v ‖ r ‖ s; ours puts v last (the Ethereum order)
  const recovered = secp256k1.sign(digest, key, { prehash: false, lowS: true, format: 'recovered' })
  // v ≥ 2 needs R.x ≥ n, probability ~2⁻¹²⁸; our format cannot carry it, so say so loudly
  if (recovered[0] > 1) throw new Error('recovery id above 1: signature not representable')
  const sig = new Uint8Array(TAU_SIGNATURE_BYTES)
  sig.set(recovered.subarray(1), 0)
  sig[TAU_SIGNATURE_BYTES - 1] = recovered[0]
  return sig
}

/** Signs `object` (without its `sig` field) in `domain`; returns the 65-byte r ‖ s ‖ v signature. */
export function signTau (privateKey: Uint8Array, domain: string, object: Record<string, unknown>): Uint8Array {
  return signTauDigest(privateKey, signingDigest(domain, object))
}

/** Recovers the signer's address from a digest and a 65-byte signature, rejecting malformed and high-s signatures. */
export function recoverTauAddressFromDigest (digest: Uint8Array, sig: Uint8Array): Uint8Array {
  assertDigest(digest)
  if (!(sig instanceof Uint8Array) || sig.length !== TAU_SIGNATURE_BYTES) throw new InvalidSignatureError('length')
  const v = sig[TAU_SIGNATURE_BYTES - 1]
  if (v !== 0 && v !== 1) throw new InvalidSignatureError('v')
  const r = bytesToBigInt(sig.subarray(0, SCALAR_BYTES))
  const s = bytesToBigInt(sig.subarray(SCALAR_BYTES, 2 * SCALAR_BYTES))
  if (r === 0n || r >= CURVE_ORDER || s === 0n || s >= CURVE_ORDER) throw new InvalidSignatureError('r_or_s_range')
  // (r, n − s) verifies too; accepting only the low half makes each signature unique
  if (s > HALF_ORDER) throw new InvalidSignatureError('high_s')
  let publicKey: Uint8Array
  try {
    publicKey = new secp256k1.Signature(r, s, v).recoverPublicKey(digest).toBytes(false)
  } catch {
    throw new InvalidSignatureError('recovery')
  }
  return tauAddressFromPublicKey(publicKey)
}

/** Recovers the address that signed `object` in `domain`. */
export function recoverTauAddress (domain: string, object: Record<string, unknown>, sig: Uint8Array): Uint8Array {
  return recoverTauAddressFromDigest(signingDigest(domain, object), sig)
}

/** Verifies that `sig` is `expectedAddress`'s signature over `object` in `domain`; throws `InvalidSignatureError` if not. */
export function verifyTau (domain: string, object: Record<string, unknown>, sig: Uint8Array, expectedAddress: Uint8Array): void {
  assertTauAddressBytes(expectedAddress)
  const signer = recoverTauAddress(domain, object, sig)
  if (!equals(signer, expectedAddress)) throw new InvalidSignatureError('wrong_signer')
}
