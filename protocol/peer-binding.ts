/**
 * Peer bindings (DESIGN.md §3): a libp2p node proves it belongs to a TAU address with a binding
 * signed twice over the same bytes, `tau-relay/peer-binding/1 ‖ 0x00 ‖ DAG-CBOR({tau, peer,
 * issuedAtMs, expiresAtMs})` — by the node's libp2p key (the node agrees) and by the TAU key (the
 * address owner agrees, so nobody can claim someone else's address).
 */
import { peerIdFromMultihash, peerIdFromPrivateKey } from '@libp2p/peer-id'
import { equals } from 'multiformats/bytes'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidPeerBindingError, MalformedMessageError } from './errors.js'
import { peerBindingFromNode, unsignedPeerBinding } from './peer-binding-codec.js'
import { tauAddressFromPrivateKey } from './tau-address.js'
import { TAU_DOMAIN } from './tau-domains.js'
import { recoverTauAddress, signingPayload, signTau } from './tau-signature.js'
import type { PeerBinding, UnsignedPeerBinding } from './peer-binding-codec.js'
import type { Ed25519PeerId, PrivateKey, Secp256k1PeerId } from '@libp2p/interface'

/** What `signPeerBinding` needs: both keys and the validity window. */
export interface SignPeerBindingInit {
  /** 32-byte TAU private key of the address being bound to. */
  tauPrivateKey: Uint8Array
  /** The node's libp2p key; Ed25519 or secp256k1 (their peer ids carry the public key). */
  libp2pPrivateKey: PrivateKey
  /** Start of validity, ms since the Unix epoch. */
  issuedAtMs: number
  /** End of validity, ms since the Unix epoch, ≥ issuedAtMs. */
  expiresAtMs: number
}

/** What `verifyPeerBinding` needs from the caller: the current time (protocol/ has no clock). */
export interface VerifyPeerBindingOptions {
  /** Now, ms since the Unix epoch. */
  nowMs: number
}

/** The bytes both signatures of a binding cover. */
export function peerBindingPayload (binding: UnsignedPeerBinding): Uint8Array {
  return signingPayload(TAU_DOMAIN.peerBinding, { ...unsignedPeerBinding(binding) })
}

/** The peer id of a binding's `peer` bytes; only Ed25519 and secp256k1 ids, whose public key is inline. */
export function bindingPeerId (peer: Uint8Array): Ed25519PeerId | Secp256k1PeerId {
  let peerId
  try {
    peerId = peerIdFromMultihash(Digest.decode(peer))
  } catch {
    throw new InvalidPeerBindingError('bad_peer_id', 'invalid peer binding: peer is not a peer id multihash')
  }
  if (peerId.type !== 'Ed25519' && peerId.type !== 'secp256k1') {
    // RSA ids are a hash of the key: the binding could not be checked without fetching the key
    throw new InvalidPeerBindingError('bad_peer_id', `invalid peer binding: ${peerId.type} peer ids do not carry their public key`)
  }
  // the key protobuf inside an identity multihash could be encoded more than one way; take only ours
  if (!equals(peerId.toMultihash().bytes, peer)) {
    throw new InvalidPeerBindingError('bad_peer_id', 'invalid peer binding: non-canonical peer id')
  }
  return peerId
}

/** Makes a binding of the libp2p key's peer id to the TAU key's address, signed by both. */
export async function signPeerBinding (init: SignPeerBindingInit): Promise<PeerBinding> {
  if (init.libp2pPrivateKey.type !== 'Ed25519' && init.libp2pPrivateKey.type !== 'secp256k1') {
    throw new InvalidPeerBindingError('bad_peer_id', `invalid peer binding: ${init.libp2pPrivateKey.type} keys are not supported`)
  }
  const unsigned: UnsignedPeerBinding = {
    tau: tauAddressFromPrivateKey(init.tauPrivateKey),
    peer: peerIdFromPrivateKey(init.libp2pPrivateKey).toMultihash().bytes,
    issuedAtMs: init.issuedAtMs,
    expiresAtMs: init.expiresAtMs
  }
  const payload = peerBindingPayload(unsigned)
  // Ed25519 keys sign with node:crypto and return a Buffer; hand out plain bytes like every decoder does
  const peerSig = Uint8Array.from(await init.libp2pPrivateKey.sign(payload))
  const tauSig = signTau(init.tauPrivateKey, TAU_DOMAIN.peerBinding, { ...unsigned })
  // same shape rules as decoding, so we never hand out a binding others would reject
  return peerBindingFromNode({ ...unsigned, peerSig, tauSig })
}

/**
 * Verifies a binding at `nowMs`; throws `InvalidPeerBindingError` naming the first failed check.
 * Cheap checks (shape, validity window, peer id) run before the two signature checks.
 */
export async function verifyPeerBinding (binding: PeerBinding, options: VerifyPeerBindingOptions): Promise<void> {
  if (!Number.isFinite(options.nowMs)) throw new RangeError('nowMs must be a finite number')
  let checked: PeerBinding
  try {
    checked = peerBindingFromNode(binding)
  } catch (err: unknown) {
    if (err instanceof MalformedMessageError) throw new InvalidPeerBindingError('malformed', `invalid peer binding: ${err.message}`)
    throw err
  }
  if (options.nowMs < checked.issuedAtMs) throw new InvalidPeerBindingError('not_yet_valid')
  if (options.nowMs > checked.expiresAtMs) throw new InvalidPeerBindingError('expired')
  const peerId = bindingPeerId(checked.peer)
  const unsigned = unsignedPeerBinding(checked)
  let peerSigValid = false
  try {
    peerSigValid = await peerId.publicKey.verify(peerBindingPayload(unsigned), checked.peerSig)
  } catch {
    // a signature that does not even parse (e.g. bad DER) is simply not valid
  }
  if (!peerSigValid) throw new InvalidPeerBindingError('peer_signature')
  let signer: Uint8Array
  try {
    signer = recoverTauAddress(TAU_DOMAIN.peerBinding, { ...unsigned }, checked.tauSig)
  } catch {
    throw new InvalidPeerBindingError('tau_signature')
  }
  if (!equals(signer, checked.tau)) throw new InvalidPeerBindingError('tau_signature')
}
