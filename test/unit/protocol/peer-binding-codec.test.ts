/**
 * Proves the peer binding codec is strict: exact key set, byte lengths, integer times, a size
 * bound and canonical DAG-CBOR, each failure a MalformedMessageError naming the field.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { encode as cborEncode } from 'cborg'
import {
  decodePeerBinding, encodePeerBinding, MAX_PEER_BINDING_BYTES, peerBindingFromNode
} from '../../../protocol/peer-binding-codec.js'
import type { PeerBinding } from '../../../protocol/peer-binding-codec.js'

const VALID: PeerBinding = {
  tau: new Uint8Array(20).fill(1),
  peer: new Uint8Array(38).fill(2),
  issuedAtMs: 1_700_000_000_000,
  expiresAtMs: 1_700_000_100_000,
  peerSig: new Uint8Array(64).fill(3),
  tauSig: new Uint8Array(65).fill(4)
}

function decodeWith (patch: Record<string, unknown>): PeerBinding {
  return decodePeerBinding(dagCbor.encode({ ...VALID, ...patch }))
}

describe('peer-binding-codec', () => {
  it('round-trips a binding', () => {
    assert.deepEqual(decodePeerBinding(encodePeerBinding(VALID)), VALID)
  })

  it('names missing and unknown fields', () => {
    for (const field of ['tau', 'peer', 'issuedAtMs', 'expiresAtMs', 'peerSig', 'tauSig']) {
      const partial: Record<string, unknown> = { ...VALID }
      delete partial[field]
      assert.throws(() => decodePeerBinding(dagCbor.encode(partial)), { name: 'MalformedMessageError', field })
    }
    assert.throws(() => decodeWith({ v: 1 }), { name: 'MalformedMessageError', field: 'v' })
  })

  it('checks byte fields and their lengths', () => {
    assert.throws(() => decodeWith({ tau: new Uint8Array(19) }), { name: 'MalformedMessageError', field: 'tau' })
    assert.throws(() => decodeWith({ tau: new Uint8Array(21) }), { name: 'MalformedMessageError', field: 'tau' })
    assert.throws(() => decodeWith({ tau: 'T123' }), { name: 'MalformedMessageError', field: 'tau' })
    assert.throws(() => decodeWith({ peer: new Uint8Array(0) }), { name: 'MalformedMessageError', field: 'peer' })
    assert.throws(() => decodeWith({ peer: new Uint8Array(65) }), { name: 'MalformedMessageError', field: 'peer' })
    assert.throws(() => decodeWith({ peerSig: new Uint8Array(129) }), { name: 'MalformedMessageError', field: 'peerSig' })
    assert.throws(() => decodeWith({ peerSig: null }), { name: 'MalformedMessageError', field: 'peerSig' })
    assert.throws(() => decodeWith({ tauSig: new Uint8Array(64) }), { name: 'MalformedMessageError', field: 'tauSig' })
  })

  it('accepts only non-negative safe-integer times with issuedAtMs ≤ expiresAtMs', () => {
    assert.throws(() => decodeWith({ issuedAtMs: -1 }), { name: 'MalformedMessageError', field: 'issuedAtMs' })
    assert.throws(() => decodeWith({ issuedAtMs: 1.5 }), { name: 'MalformedMessageError', field: 'issuedAtMs' })
    assert.throws(() => decodeWith({ issuedAtMs: '1700000000000' }), { name: 'MalformedMessageError', field: 'issuedAtMs' })
    assert.throws(() => decodeWith({ expiresAtMs: 2n ** 60n }), { name: 'MalformedMessageError', field: 'expiresAtMs' })
    assert.throws(() => decodeWith({ expiresAtMs: VALID.issuedAtMs - 1 }), { name: 'MalformedMessageError', field: 'expiresAtMs' })
    assert.deepEqual(decodeWith({ expiresAtMs: VALID.issuedAtMs }).expiresAtMs, VALID.issuedAtMs)
  })

  it('rejects non-maps, non-DAG-CBOR, oversized and non-canonical input at the root', () => {
    assert.throws(() => decodePeerBinding(dagCbor.encode([1, 2])), { name: 'MalformedMessageError', field: '' })
    assert.throws(() => decodePeerBinding(Uint8Array.of(0xff, 0x00)), { name: 'MalformedMessageError', field: '' })
    assert.throws(() => decodePeerBinding(new Uint8Array(MAX_PEER_BINDING_BYTES + 1)), { name: 'MalformedMessageError', field: '' })
    // the same map with its keys in reverse order: decodes, but is not the one canonical encoding
    const keyOf = (entry: unknown[]): string => String((entry[0] as { value: unknown }).value)
    const reversed = cborEncode(VALID, { mapSorter: (a, b) => (keyOf(a) < keyOf(b) ? 1 : -1) })
    assert.throws(() => decodePeerBinding(reversed), { name: 'MalformedMessageError', field: '' })
  })

  it('prefixes field names with the path of an embedded binding', () => {
    assert.throws(() => peerBindingFromNode({ ...VALID, tau: new Uint8Array(1) }, 'relay.peers[0]'), { name: 'MalformedMessageError', field: 'relay.peers[0].tau' })
    assert.throws(() => peerBindingFromNode(null, 'relay.peers[0]'), { name: 'MalformedMessageError', field: 'relay.peers[0]' })
  })
})
