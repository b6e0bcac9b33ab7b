/**
 * Proves every decoder of the relay's own messages is total: random bytes, random DAG-CBOR
 * values, and valid messages with random bytes flipped or cut either decode or throw
 * MalformedMessageError — never another error, never a crash.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { decodeFutureStateRequest, decodeFutureStateResponse, encodeFutureStateResponse } from '../../../protocol/future-state.js'
import { decodeIdentityAck, decodeIdentityMessage, encodeIdentityMessage } from '../../../protocol/identity-message.js'
import { decodeLogHead, encodeLogHead } from '../../../protocol/log-head.js'
import { decodePolicyDocument, encodePolicyDocument } from '../../../protocol/policy-document.js'
import { policyFromJson, policyToJson } from '../../../protocol/policy-json.js'
import { decodeSyncFrame, decodeSyncRequest, encodeSyncBlockFrame, encodeSyncRequest, encodeSyncResultFrame } from '../../../protocol/relay-sync/codec.js'
import { decodeTransferRecord, encodeTransferRecord } from '../../../protocol/transfer-record.js'
import { BINDING, HEAD, ISSUED_MS, POLICY, RECORD, REQUEST, RESULT, ROOT } from './messages-fixtures.js'

const DECODERS: Array<[string, (bytes: Uint8Array) => unknown, Uint8Array]> = [
  ['policy', decodePolicyDocument, encodePolicyDocument(POLICY)],
  ['sync request', decodeSyncRequest, encodeSyncRequest(REQUEST)],
  ['sync block frame', (b) => decodeSyncFrame(b), encodeSyncBlockFrame(ROOT, Uint8Array.of(1, 2, 3))],
  ['sync result frame', (b) => decodeSyncFrame(b), encodeSyncResultFrame(RESULT)],
  ['transfer record', decodeTransferRecord, encodeTransferRecord(RECORD)],
  ['log head', decodeLogHead, encodeLogHead(HEAD)],
  ['future-state request', decodeFutureStateRequest, dagCbor.encode({ v: 1, chain: Uint8Array.of(0) })],
  ['future-state response', decodeFutureStateResponse, encodeFutureStateResponse({ v: 1, chain: Uint8Array.of(0), root: ROOT, tsMs: ISSUED_MS, binding: BINDING })],
  ['identity message', decodeIdentityMessage, encodeIdentityMessage(BINDING)],
  ['identity ack', decodeIdentityAck, dagCbor.encode({ ok: false, reason: 'expired' })]
]

function onlyMalformed (decode: () => unknown): void {
  try {
    decode()
  } catch (err: unknown) {
    assert.equal((err as Error).name, 'MalformedMessageError', `threw ${String(err)}`)
  }
}

const ipldValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    fc.integer(), fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }), fc.string(), fc.boolean(), fc.constant(null),
    fc.uint8Array({ maxLength: 70 }), fc.constant(ROOT), fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('v', 'b', 'r', 'ok', 'chain', 'root', 'sig', 'status', 'reason', 'x'), tie('value'), { maxKeys: 5 }))
})).value

describe('message decoders are total', () => {
  for (const [name, decode, valid] of DECODERS) {
    it(`${name}: random bytes, random DAG-CBOR, and corrupted valid bytes throw only MalformedMessageError`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => onlyMalformed(() => decode(bytes))), { numRuns: 300 })
      fc.assert(fc.property(ipldValue, (value) => onlyMalformed(() => decode(dagCbor.encode(value)))), { numRuns: 300 })
      fc.assert(fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, cut) => {
        const corrupted = cut ? valid.subarray(0, at) : Uint8Array.from(valid)
        if (!cut) corrupted[at] ^= xor
        onlyMalformed(() => decode(corrupted))
      }), { numRuns: 300 })
      assert.ok(decode(valid) !== undefined)
    })
  }

  it('policyFromJson: random JSON and corrupted valid JSON throw only MalformedMessageError', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => onlyMalformed(() => policyFromJson(json))), { numRuns: 300 })
    const text = JSON.stringify(policyToJson(POLICY))
    fc.assert(fc.property(fc.nat({ max: text.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (at, c) => {
      let json: unknown
      try {
        json = JSON.parse(text.slice(0, at) + c + text.slice(at + 1))
      } catch {
        return
      }
      onlyMalformed(() => policyFromJson(json))
    }), { numRuns: 300 })
  })
})
