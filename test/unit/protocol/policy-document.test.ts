/**
 * Proves policy documents are made from the documented defaults, signed so that only the
 * operator's key and only the policy domain verify, encoded to one canonical byte string with a
 * stable CID, and decoded strictly with every failure naming its field.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { encode as cborEncode } from 'cborg'
import {
  createPolicyDocument, decodePolicyDocument, encodePolicyDocument, policyDocumentCid, signPolicyDocument,
  verifyPolicyBindings, verifyPolicyDocument
} from '../../../protocol/policy-document.js'
import { DEFAULT_POLICY } from '../../../protocol/policy-schema.js'
import { TAU_DOMAIN } from '../../../protocol/tau-domains.js'
import { verifyTau } from '../../../protocol/tau-signature.js'
import { BINDING, HOUR_MS, ISSUED_MS, OPERATOR, OPERATOR_KEY, PAYER, PAYER_KEY, POLICY, REQUEST } from './messages-fixtures.js'
import type { PolicyDocument } from '../../../protocol/policy-schema.js'

/** Encodes `POLICY` with one field replaced (by dotted path) and decodes it. */
function decodeWith (path: string, value: unknown): PolicyDocument {
  const node = structuredClone(POLICY) as unknown as Record<string, unknown>
  const keys = path.split('.')
  let parent = node
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>
  const last = keys[keys.length - 1]
  if (value === undefined) delete parent[last]
  else parent[last] = value
  return decodePolicyDocument(dagCbor.encode(node))
}

describe('policy-document', () => {
  it('fills every section left out from DEFAULT_POLICY (1 GiB free once per address)', () => {
    const doc = createPolicyDocument({ relay: { tau: OPERATOR }, issuedAtMs: ISSUED_MS, pricing: { perMiB: 5n } })
    assert.equal(doc.v, 1)
    assert.equal(doc.unit, 'nanoTAU')
    assert.equal(doc.validFromMs, ISSUED_MS)
    assert.equal('honouredUntilMs' in doc, false)
    assert.deepEqual(doc.freeQuota, { bytes: 2 ** 30, periodMs: 0 })
    assert.deepEqual(doc.pricing, { perBlock: DEFAULT_POLICY.pricing.perBlock, perMiB: 5n })
    assert.deepEqual(doc.limits, DEFAULT_POLICY.limits)
    assert.deepEqual(doc.circuit, DEFAULT_POLICY.circuit)
    assert.deepEqual(doc.relay.peers, [])
    assert.ok(Object.isFrozen(DEFAULT_POLICY.limits))
  })

  it('round-trips through canonical DAG-CBOR, and the CID names exactly those bytes', () => {
    const bytes = encodePolicyDocument(POLICY)
    const decoded = decodePolicyDocument(bytes)
    assert.deepEqual(decoded, POLICY)
    assert.deepEqual(encodePolicyDocument(decoded), bytes)
    const cid = policyDocumentCid(bytes)
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x71)
    assert.equal(cid.multihash.code, 0x12)
    assert.ok(cid.equals(policyDocumentCid(POLICY)))
    // amounts above 2^53 come back as bigint, small ones too (never numbers)
    const big = signPolicyDocument({ ...POLICY, settlement: { acceptedFrom: [], minTopUp: 2n ** 62n + 1n } }, OPERATOR_KEY)
    const back = decodePolicyDocument(encodePolicyDocument(big))
    assert.equal(back.settlement.minTopUp, 2n ** 62n + 1n)
    assert.equal(typeof back.pricing.perBlock, 'bigint')
  })

  it('signs deterministically: same document, same bytes, same CID', () => {
    const again = signPolicyDocument(createPolicyDocument({
      relay: { tau: OPERATOR, peers: [BINDING] },
      issuedAtMs: ISSUED_MS,
      honouredUntilMs: ISSUED_MS + 48 * HOUR_MS,
      settlement: { acceptedFrom: [PAYER] }
    }), OPERATOR_KEY)
    assert.deepEqual(encodePolicyDocument(again), encodePolicyDocument(POLICY))
  })

  it('verifies the operator signature and refuses tampering, another key and another domain', () => {
    verifyPolicyDocument(POLICY)
    assert.throws(() => verifyPolicyDocument({ ...POLICY, pricing: { ...POLICY.pricing, perMiB: 1n } }), { name: 'InvalidSignatureError' })
    const sig = Uint8Array.from(POLICY.sig)
    sig[5] ^= 1
    assert.throws(() => verifyPolicyDocument({ ...POLICY, sig }), { name: 'InvalidSignatureError' })
    // a document claiming the payer's address, signed by the operator, recovers the wrong signer
    assert.throws(() => verifyPolicyDocument({ ...POLICY, relay: { tau: PAYER, peers: [] } }), { name: 'InvalidSignatureError' })
    assert.throws(() => signPolicyDocument(POLICY, PAYER_KEY), { name: 'MalformedMessageError', field: 'relay.tau' })
    // domain separation: a sync request signature never verifies as a policy (nor the reverse)
    assert.throws(() => verifyTau(TAU_DOMAIN.policy, { ...REQUEST }, REQUEST.sig, PAYER), { name: 'InvalidSignatureError' })
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, { ...POLICY }, POLICY.sig, OPERATOR), { name: 'InvalidSignatureError' })
  })

  it('verifies the peer bindings it lists, at a given time', async () => {
    await verifyPolicyBindings(POLICY, ISSUED_MS + HOUR_MS)
    await assert.rejects(verifyPolicyBindings(POLICY, ISSUED_MS + 25 * HOUR_MS), { name: 'InvalidPeerBindingError', reason: 'expired' })
    const forged = { ...BINDING, peerSig: new Uint8Array(64).fill(1) }
    await assert.rejects(verifyPolicyBindings({ ...POLICY, relay: { tau: OPERATOR, peers: [forged] } }, ISSUED_MS), { name: 'InvalidPeerBindingError', reason: 'peer_signature' })
  })

  it('names the field of every missing, extra or mistyped value', () => {
    const cases: Array<[string, unknown, string]> = [
      ['v', 2, 'v'],
      ['v', undefined, 'v'],
      ['extra', 1, 'extra'],
      ['unit', 'TAU', 'unit'],
      ['issuedAtMs', -1, 'issuedAtMs'],
      ['issuedAtMs', 2n ** 60n, 'issuedAtMs'],
      ['honouredUntilMs', 'soon', 'honouredUntilMs'],
      ['relay.tau', new Uint8Array(19), 'relay.tau'],
      ['relay.peers', {}, 'relay.peers'],
      ['relay.extra', true, 'relay.extra'],
      ['pricing.perMiB', -5, 'pricing.perMiB'],
      ['pricing.perMiB', 2n ** 63n, 'pricing.perMiB'],
      ['pricing.perBlock', '1000', 'pricing.perBlock'],
      ['freeQuota.periodMs', undefined, 'freeQuota.periodMs'],
      ['seedingCredit.perMiB', null, 'seedingCredit.perMiB'],
      ['limits.maxSelectorDepth', 0, 'limits.maxSelectorDepth'],
      ['limits.maxConcurrentSyncsPerTarget', undefined, 'limits.maxConcurrentSyncsPerTarget'],
      ['circuit.requireBinding', 1, 'circuit.requireBinding'],
      ['circuit.reservationFee', -1, 'circuit.reservationFee'],
      ['settlement.acceptedFrom', [new Uint8Array(20), new Uint8Array(21)], 'settlement.acceptedFrom[1]'],
      ['settlement.acceptedFrom', [PAYER, PAYER], 'settlement.acceptedFrom[1]'],
      ['sig', new Uint8Array(64), 'sig'],
      ['sig', undefined, 'sig']
    ]
    for (const [path, value, field] of cases) {
      assert.throws(() => decodeWith(path, value), { name: 'MalformedMessageError', field }, `${path} = ${String(value)}`)
    }
  })

  it('checks the relations between fields and the bindings it embeds', () => {
    assert.throws(() => decodeWith('validFromMs', ISSUED_MS - 1), { name: 'MalformedMessageError', field: 'validFromMs' })
    assert.throws(() => decodeWith('honouredUntilMs', ISSUED_MS - 1), { name: 'MalformedMessageError', field: 'honouredUntilMs' })
    assert.throws(() => decodeWith('relay.peers', [{ ...BINDING, tauSig: new Uint8Array(3) }]), { name: 'MalformedMessageError', field: 'relay.peers[0].tauSig' })
    assert.throws(() => decodeWith('relay.peers', [BINDING, BINDING]), { name: 'MalformedMessageError', field: 'relay.peers[1].peer' })
    assert.throws(() => decodeWith('relay.peers', [{ ...BINDING, tau: PAYER }]), { name: 'MalformedMessageError', field: 'relay.peers[0].tau' })
    assert.throws(() => createPolicyDocument({ relay: { tau: OPERATOR }, issuedAtMs: ISSUED_MS, validFromMs: ISSUED_MS - 1 }), { name: 'MalformedMessageError', field: 'validFromMs' })
  })

  it('rejects non-canonical, oversized and non-map input at the root', () => {
    const keyOf = (entry: unknown[]): string => String((entry[0] as { value: unknown }).value)
    const reversed = cborEncode(POLICY, { mapSorter: (a, b) => (keyOf(a) < keyOf(b) ? 1 : -1) })
    assert.throws(() => decodePolicyDocument(reversed), { name: 'MalformedMessageError' })
    assert.throws(() => decodePolicyDocument(new Uint8Array(64 * 1024 + 1)), { name: 'MalformedMessageError', field: '' })
    assert.throws(() => decodePolicyDocument(dagCbor.encode([1])), { name: 'MalformedMessageError', field: '' })
    // `v: 1` sent as float64 1.0 decodes to the same number but is not the one encoding
    const bytes = encodePolicyDocument(POLICY)
    assert.deepEqual([...bytes.subarray(1, 4)], [0x61, 0x76, 0x01])
    const asFloat = Uint8Array.from([bytes[0], 0x61, 0x76, 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, ...bytes.subarray(4)])
    assert.throws(() => decodePolicyDocument(asFloat), { name: 'MalformedMessageError', field: '' })
  })
})
