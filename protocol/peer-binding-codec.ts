/**
 * Peer binding values and their strict DAG-CBOR codec (DESIGN.md §3, §4): the map
 * `{tau, peer, issuedAtMs, expiresAtMs, peerSig, tauSig}` with exactly these keys. Decoding checks
 * shape only; `verifyPeerBinding` checks what the binding proves.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { equals } from 'multiformats/bytes'
import { MalformedMessageError } from './errors.js'
import { TAU_ADDRESS_BYTES } from './tau-address.js'
import { TAU_SIGNATURE_BYTES } from './tau-signature.js'

/** A signed claim that libp2p peer `peer` belongs to TAU address `tau` during [issuedAtMs, expiresAtMs]. */
export interface PeerBinding {
  /** TAU address, 20 bytes. */
  tau: Uint8Array
  /** Peer id bytes: the multihash of the libp2p peer id. */
  peer: Uint8Array
  /** Start of validity, ms since the Unix epoch, inclusive. */
  issuedAtMs: number
  /** End of validity, ms since the Unix epoch, inclusive. */
  expiresAtMs: number
  /** Signature by the libp2p key of `peer`. */
  peerSig: Uint8Array
  /** 65-byte TAU signature by the key of `tau`. */
  tauSig: Uint8Array
}

/** The part of a binding both signatures cover. */
export type UnsignedPeerBinding = Omit<PeerBinding, 'peerSig' | 'tauSig'>

/**
 * Longest peer id accepted. The peer-ids spec inlines keys of ≤ 42 bytes with the identity
 * multihash (44 bytes with its header; Ed25519 ids are 38, secp256k1 39) and hashes larger keys to
 * 34 bytes, so 64 leaves room and still bounds the field.
 */
export const MAX_PEER_ID_BYTES = 64
/** Longest libp2p signature accepted: Ed25519 is 64 bytes, secp256k1 DER at most 72; ECDSA P-521 DER fits too. */
export const MAX_PEER_SIGNATURE_BYTES = 128
/** Largest encoded binding accepted before decoding (the largest valid one is under 400 bytes). */
export const MAX_PEER_BINDING_BYTES = 512

const FIELDS = ['tau', 'peer', 'issuedAtMs', 'expiresAtMs', 'peerSig', 'tauSig'] as const

function bytesField (node: Record<string, unknown>, key: string, path: string, min: number, max: number): Uint8Array {
  const value = node[key]
  if (!(value instanceof Uint8Array)) throw new MalformedMessageError(path + key, 'expected bytes')
  if (value.length < min || value.length > max) {
    throw new MalformedMessageError(path + key, min === max ? `expected ${min} bytes` : `expected ${min}..${max} bytes`)
  }
  return value
}

function timeField (node: Record<string, unknown>, key: string, path: string): number {
  const value = node[key]
  // DAG-CBOR decodes integers beyond 2^53 as bigint: those are not timestamps either
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessageError(path + key, 'expected a non-negative safe integer')
  }
  return value
}

/** Checks that `node` (a decoded IPLD value) is a peer binding; `path` prefixes field names in errors. */
export function peerBindingFromNode (node: unknown, path = ''): PeerBinding {
  if (typeof node !== 'object' || node === null || Array.isArray(node) || node instanceof Uint8Array) {
    throw new MalformedMessageError(path, 'expected a map')
  }
  const map = node as Record<string, unknown>
  const prefix = path === '' ? '' : `${path}.`
  for (const key of Object.keys(map)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new MalformedMessageError(prefix + key, 'unknown field')
  }
  for (const key of FIELDS) {
    if (!(key in map)) throw new MalformedMessageError(prefix + key, 'missing field')
  }
  const binding: PeerBinding = {
    tau: bytesField(map, 'tau', prefix, TAU_ADDRESS_BYTES, TAU_ADDRESS_BYTES),
    peer: bytesField(map, 'peer', prefix, 1, MAX_PEER_ID_BYTES),
    issuedAtMs: timeField(map, 'issuedAtMs', prefix),
    expiresAtMs: timeField(map, 'expiresAtMs', prefix),
    peerSig: bytesField(map, 'peerSig', prefix, 1, MAX_PEER_SIGNATURE_BYTES),
    tauSig: bytesField(map, 'tauSig', prefix, TAU_SIGNATURE_BYTES, TAU_SIGNATURE_BYTES)
  }
  if (binding.expiresAtMs < binding.issuedAtMs) {
    throw new MalformedMessageError(prefix + 'expiresAtMs', 'expires before it is issued')
  }
  return binding
}

/** The fields of a binding both signatures cover, in a fresh object. */
export function unsignedPeerBinding (binding: UnsignedPeerBinding): UnsignedPeerBinding {
  return { tau: binding.tau, peer: binding.peer, issuedAtMs: binding.issuedAtMs, expiresAtMs: binding.expiresAtMs }
}

/** Encodes a peer binding as DAG-CBOR (after checking its shape). */
export function encodePeerBinding (binding: PeerBinding): Uint8Array {
  return dagCbor.encode(peerBindingFromNode(binding))
}

/** Decodes a DAG-CBOR peer binding strictly: size bound, exact fields, canonical bytes. */
export function decodePeerBinding (bytes: Uint8Array): PeerBinding {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('', 'expected bytes')
  if (bytes.length > MAX_PEER_BINDING_BYTES) throw new MalformedMessageError('', `binding larger than ${MAX_PEER_BINDING_BYTES} bytes`)
  let node: unknown
  try {
    node = dagCbor.decode(bytes)
  } catch (err: unknown) {
    throw new MalformedMessageError('', `not DAG-CBOR: ${(err as Error).message}`)
  }
  const binding = peerBindingFromNode(node)
  // @ipld/dag-cbor accepts unsorted map keys; one binding must have exactly one encoding
  if (!equals(dagCbor.encode(binding), bytes)) throw new MalformedMessageError('', 'not canonical DAG-CBOR')
  return binding
}
