/**
 * Proves the operator JSON form of a policy round-trips through JSON text with amounts as decimal
 * strings (exact above 2^53), addresses as `T…`, peer ids as base58btc and signatures as hex, and
 * that it applies the same checks as the DAG-CBOR form, naming the same fields.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toHex } from 'multiformats/bytes'
import { createPolicyDocument, signPolicyDocument, verifyPolicyDocument } from '../../../protocol/policy-document.js'
import { policyFromJson, policyToJson } from '../../../protocol/policy-json.js'
import { formatTauAddress } from '../../../protocol/tau-address.js'
import { NODE_KEY, OPERATOR, OPERATOR_KEY, POLICY } from './messages-fixtures.js'

const HUGE = 2n ** 63n - 1n

describe('policy-json', () => {
  it('round-trips through JSON text, amounts as exact decimal strings', () => {
    const doc = signPolicyDocument({ ...POLICY, pricing: { perBlock: 0n, perMiB: HUGE }, circuit: { ...POLICY.circuit, reservationFee: 2n ** 53n + 1n } }, OPERATOR_KEY)
    const json = policyToJson(doc)
    assert.equal(json.pricing.perMiB, '9223372036854775807')
    assert.equal(json.pricing.perBlock, '0')
    assert.equal(json.circuit.reservationFee, '9007199254740993')
    assert.equal(json.relay.tau, formatTauAddress(OPERATOR))
    assert.equal(json.relay.peers[0].peer, peerIdFromPrivateKey(NODE_KEY).toString())
    assert.equal(json.sig, toHex(doc.sig))
    const back = policyFromJson(JSON.parse(JSON.stringify(json)))
    assert.deepEqual(back, doc)
    verifyPolicyDocument(back)
  })

  it('handles unsigned documents and the optional honouredUntilMs', () => {
    const unsigned = createPolicyDocument({ relay: { tau: OPERATOR }, issuedAtMs: 5 })
    const json = policyToJson(unsigned)
    assert.equal('sig' in json, false)
    assert.equal('honouredUntilMs' in json, false)
    assert.deepEqual(policyFromJson(json, { signed: false }), unsigned)
    assert.throws(() => policyFromJson(json), { name: 'MalformedMessageError', field: 'sig' })
    assert.throws(() => policyFromJson(policyToJson(POLICY), { signed: false }), { name: 'MalformedMessageError', field: 'sig' })
  })

  it('names the field of every bad representation', () => {
    const json = policyToJson(POLICY)
    const cases: Array<[(j: typeof json) => void, string]> = [
      [(j) => { j.pricing.perMiB = '01' }, 'pricing.perMiB'],
      [(j) => { j.pricing.perMiB = '-1' }, 'pricing.perMiB'],
      [(j) => { j.pricing.perMiB = '1e6' }, 'pricing.perMiB'],
      [(j) => { (j.pricing as Record<string, unknown>).perMiB = 1000 }, 'pricing.perMiB'],
      [(j) => { j.settlement.minTopUp = '9223372036854775808' }, 'settlement.minTopUp'],
      [(j) => { j.relay.tau = 'T1111' }, 'relay.tau'],
      [(j) => { j.settlement.acceptedFrom = [j.relay.tau.slice(0, -1) + 'x'] }, 'settlement.acceptedFrom[0]'],
      [(j) => { j.sig = 'ABCD' }, 'sig'],
      [(j) => { j.sig = 'abc' }, 'sig'],
      [(j) => { j.relay.peers[0].peer = '0OIl' }, 'relay.peers[0].peer'],
      [(j) => { j.relay.peers[0].peerSig = '' }, 'relay.peers[0].peerSig'],
      [(j) => { j.limits.maxBlockBytes = 1.5 }, 'limits.maxBlockBytes'],
      [(j) => { (j as Record<string, unknown>).typo = 1 }, 'typo']
    ]
    for (const [mutate, field] of cases) {
      const copy = structuredClone(json)
      mutate(copy)
      assert.throws(() => policyFromJson(copy), { name: 'MalformedMessageError', field }, field)
    }
    assert.throws(() => policyFromJson('{}'), { name: 'MalformedMessageError', field: '' })
  })
})
