/**
 * Proves the identity protocol's payload is a peer binding that round-trips and keeps its
 * signatures verifiable, and that acks round-trip and decode strictly, naming the field.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeIdentityAck, decodeIdentityMessage, encodeIdentityAck, encodeIdentityMessage } from '../../../protocol/identity-message.js'
import { encodePeerBinding } from '../../../protocol/peer-binding-codec.js'
import { verifyPeerBinding } from '../../../protocol/peer-binding.js'
import { BINDING, ISSUED_MS } from './messages-fixtures.js'
import type { IdentityAck } from '../../../protocol/identity-message.js'

describe('identity-message', () => {
  it('carries a peer binding in the peer-binding codec form', async () => {
    const bytes = encodeIdentityMessage(BINDING)
    assert.deepEqual(bytes, encodePeerBinding(BINDING))
    const decoded = decodeIdentityMessage(bytes)
    assert.deepEqual(decoded, BINDING)
    await verifyPeerBinding(decoded, { nowMs: ISSUED_MS })
    assert.throws(() => decodeIdentityMessage(dagCbor.encode({ ...BINDING, tauSig: 1 })), { name: 'MalformedMessageError', field: 'tauSig' })
  })

  it('round-trips acks and refuses anything else', () => {
    const acks: IdentityAck[] = [{ ok: true }, { ok: false, reason: 'tau_signature' }, { ok: false, reason: 'peer_mismatch' }]
    for (const ack of acks) assert.deepEqual(decodeIdentityAck(encodeIdentityAck(ack)), ack)
    const cases: Array<[unknown, string]> = [
      [{ ok: true, reason: 'expired' }, 'reason'], [{ ok: false }, 'reason'], [{ ok: false, reason: 'because' }, 'reason'],
      [{ ok: 1 }, 'ok'], [{}, 'ok'], [[true], '']
    ]
    for (const [node, field] of cases) {
      assert.throws(() => decodeIdentityAck(dagCbor.encode(node)), { name: 'MalformedMessageError', field }, JSON.stringify(node))
    }
  })
})
