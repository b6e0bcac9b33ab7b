/**
 * Proves a peer binding holds only when both keys agree: it round-trips with Ed25519 and secp256k1
 * libp2p keys, and is refused with the right reason for a wrong node signature, a wrong TAU
 * signature, a claim on someone else's address, an unusable peer id, and outside its validity window.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromHex } from 'multiformats/bytes'
import { sha256 } from 'multiformats/hashes/sha2'
import { decodePeerBinding, encodePeerBinding } from '../../../protocol/peer-binding-codec.js'
import { bindingPeerId, peerBindingPayload, signPeerBinding, verifyPeerBinding } from '../../../protocol/peer-binding.js'
import { tauAddressFromPrivateKey } from '../../../protocol/tau-address.js'
import { TAU_DOMAIN } from '../../../protocol/tau-domains.js'
import { signingPayload, signTau } from '../../../protocol/tau-signature.js'
import type { PeerBinding } from '../../../protocol/peer-binding-codec.js'
import type { PrivateKey } from '@libp2p/interface'

const TAU_KEY = fromHex('11'.repeat(32))
const OTHER_TAU_KEY = fromHex('22'.repeat(32))
const ISSUED_MS = 1_700_000_000_000
const EXPIRES_MS = ISSUED_MS + 86_400_000
const NOW_MS = ISSUED_MS + 1000

async function bind (libp2pPrivateKey: PrivateKey, tauPrivateKey = TAU_KEY): Promise<PeerBinding> {
  return signPeerBinding({ tauPrivateKey, libp2pPrivateKey, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS })
}

describe('peer-binding', () => {
  for (const type of ['Ed25519', 'secp256k1'] as const) {
    it(`round-trips with a ${type} libp2p key, through DAG-CBOR too`, async () => {
      const key = await generateKeyPair(type)
      const binding = await bind(key)
      assert.deepEqual(binding.tau, tauAddressFromPrivateKey(TAU_KEY))
      assert.deepEqual(binding.peer, peerIdFromPrivateKey(key).toMultihash().bytes)
      assert.equal(binding.tauSig.length, 65)
      assert.equal(bindingPeerId(binding.peer).toString(), peerIdFromPrivateKey(key).toString())
      await verifyPeerBinding(binding, { nowMs: NOW_MS })
      const decoded = decodePeerBinding(encodePeerBinding(binding))
      assert.deepEqual(decoded, binding)
      await verifyPeerBinding(decoded, { nowMs: NOW_MS })
    })
  }

  it('signs domain ‖ 0x00 ‖ DAG-CBOR({tau, peer, issuedAtMs, expiresAtMs}) with both keys', async () => {
    const key = await generateKeyPair('Ed25519')
    const binding = await bind(key)
    const unsigned = { tau: binding.tau, peer: binding.peer, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS }
    const payload = signingPayload(TAU_DOMAIN.peerBinding, unsigned)
    assert.deepEqual(peerBindingPayload(binding), payload)
    assert.equal(await key.publicKey.verify(payload, binding.peerSig), true)
    assert.deepEqual(binding.tauSig, signTau(TAU_KEY, TAU_DOMAIN.peerBinding, unsigned))
  })

  it('accepts the window edges and refuses outside it', async () => {
    const binding = await bind(await generateKeyPair('Ed25519'))
    await verifyPeerBinding(binding, { nowMs: ISSUED_MS })
    await verifyPeerBinding(binding, { nowMs: EXPIRES_MS })
    await assert.rejects(verifyPeerBinding(binding, { nowMs: ISSUED_MS - 1 }), { name: 'InvalidPeerBindingError', reason: 'not_yet_valid' })
    await assert.rejects(verifyPeerBinding(binding, { nowMs: EXPIRES_MS + 1 }), { name: 'InvalidPeerBindingError', reason: 'expired' })
    await assert.rejects(verifyPeerBinding(binding, { nowMs: Number.NaN }), { name: 'RangeError' })
  })

  it('refuses a wrong node signature as peer_signature', async () => {
    const key = await generateKeyPair('secp256k1')
    const binding = await bind(key)
    const flipped = Uint8Array.from(binding.peerSig)
    flipped[flipped.length - 1] ^= 1
    await assert.rejects(verifyPeerBinding({ ...binding, peerSig: flipped }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'peer_signature' })
    // a signature by another node key over the same bytes
    const other = await generateKeyPair('secp256k1')
    const foreign = await other.sign(peerBindingPayload(binding))
    await assert.rejects(verifyPeerBinding({ ...binding, peerSig: foreign }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'peer_signature' })
    // moving the binding to another peer id breaks the node signature
    const edBinding = await bind(await generateKeyPair('Ed25519'))
    await assert.rejects(verifyPeerBinding({ ...binding, peer: edBinding.peer }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'peer_signature' })
  })

  it('refuses a TAU signature by another key as tau_signature', async () => {
    const binding = await bind(await generateKeyPair('Ed25519'))
    const unsigned = { tau: binding.tau, peer: binding.peer, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS }
    const tauSig = signTau(OTHER_TAU_KEY, TAU_DOMAIN.peerBinding, unsigned)
    await assert.rejects(verifyPeerBinding({ ...binding, tauSig }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'tau_signature' })
    const garbage = new Uint8Array(65)
    await assert.rejects(verifyPeerBinding({ ...binding, tauSig: garbage }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'tau_signature' })
  })

  it('refuses a node claiming someone else\'s TAU address', async () => {
    // the attacker controls the node key and its own TAU key, and names the victim's address
    const node = await generateKeyPair('Ed25519')
    const victim = tauAddressFromPrivateKey(OTHER_TAU_KEY)
    const unsigned = { tau: victim, peer: peerIdFromPrivateKey(node).toMultihash().bytes, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS }
    const claim: PeerBinding = {
      ...unsigned,
      peerSig: await node.sign(peerBindingPayload(unsigned)),
      tauSig: signTau(TAU_KEY, TAU_DOMAIN.peerBinding, unsigned)
    }
    await assert.rejects(verifyPeerBinding(claim, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'tau_signature' })
    // and swapping the address of an honest binding breaks the node signature first
    const honest = await bind(node)
    await assert.rejects(verifyPeerBinding({ ...honest, tau: victim }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'peer_signature' })
  })

  it('refuses peer ids that do not carry a public key as bad_peer_id', async () => {
    const binding = await bind(await generateKeyPair('Ed25519'))
    // an RSA-style peer id: the sha2-256 multihash of a key
    const rsaStyle = (await sha256.digest(new Uint8Array(300))).bytes
    for (const peer of [rsaStyle, Uint8Array.of(0x00, 0x05, 1, 2, 3), Uint8Array.of(0xff)]) {
      await assert.rejects(verifyPeerBinding({ ...binding, peer }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'bad_peer_id' })
    }
    const rsaKey = { type: 'RSA' } as unknown as PrivateKey
    await assert.rejects(signPeerBinding({ tauPrivateKey: TAU_KEY, libp2pPrivateKey: rsaKey, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS }),
      { name: 'InvalidPeerBindingError', reason: 'bad_peer_id' })
  })

  it('refuses malformed bindings as malformed, and will not sign an inverted window', async () => {
    const key = await generateKeyPair('Ed25519')
    const binding = await bind(key)
    const extra = { ...binding, note: 'x' } as unknown as PeerBinding
    await assert.rejects(verifyPeerBinding(extra, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'malformed' })
    await assert.rejects(verifyPeerBinding({ ...binding, tau: new Uint8Array(19) }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'malformed' })
    await assert.rejects(verifyPeerBinding({ ...binding, expiresAtMs: ISSUED_MS - 1 }, { nowMs: NOW_MS }), { name: 'InvalidPeerBindingError', reason: 'malformed' })
    await assert.rejects(signPeerBinding({ tauPrivateKey: TAU_KEY, libp2pPrivateKey: key, issuedAtMs: EXPIRES_MS, expiresAtMs: ISSUED_MS }),
      { name: 'MalformedMessageError', field: 'expiresAtMs' })
    await assert.rejects(signPeerBinding({ tauPrivateKey: new Uint8Array(32), libp2pPrivateKey: key, issuedAtMs: ISSUED_MS, expiresAtMs: EXPIRES_MS }),
      { name: 'InvalidKeyError' })
  })
})
