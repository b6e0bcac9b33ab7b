/**
 * Proves the HamtGraphRelaySync codec: requests round-trip canonically and verify only as the
 * payer's signature in their own domain; the time window is checked; every strict-decoding
 * failure names its field; block and result frames round-trip, results with their receipt.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { MAX_SYNC_REQUEST_BYTES } from '../../../../protocol/constants.js'
import {
  checkSyncRequestTime, decodeSyncFrame, decodeSyncRequest, encodeSyncBlockFrame, encodeSyncRequest, encodeSyncResultFrame,
  signSyncRequest, verifySyncRequestSignature
} from '../../../../protocol/relay-sync/codec.js'
import { syncResultToNode } from '../../../../protocol/relay-sync/messages.js'
import { TAU_DOMAIN } from '../../../../protocol/tau-domains.js'
import { signTau } from '../../../../protocol/tau-signature.js'
import { OPERATOR_KEY, PAYER, PAYER_KEY, RECORD, REQUEST, RESULT, ROOT } from '../messages-fixtures.js'
import type { SyncResult } from '../../../../protocol/relay-sync/messages.js'

function decodeWith (patch: Record<string, unknown>): unknown {
  const node: Record<string, unknown> = { ...REQUEST, ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete node[k]
  return decodeSyncRequest(dagCbor.encode(node))
}

describe('relay-sync codec', () => {
  it('round-trips a signed request canonically and recovers the payer', () => {
    const bytes = encodeSyncRequest(REQUEST)
    const decoded = decodeSyncRequest(bytes)
    assert.deepEqual(decoded, REQUEST)
    assert.deepEqual(encodeSyncRequest(decoded), bytes)
    assert.deepEqual(verifySyncRequestSignature(decoded), PAYER)
    assert.equal(decoded.maxCharge, 2n ** 60n)
  })

  it('accepts a null root with a chain, and refuses one without', () => {
    const { sig: _sig, root: _root, ...rest } = REQUEST
    const byChain = signSyncRequest({ ...rest, root: null, chain: Uint8Array.of(0) }, PAYER_KEY)
    assert.deepEqual(decodeSyncRequest(encodeSyncRequest(byChain)), byChain)
    assert.throws(() => decodeWith({ root: null }), { name: 'MalformedMessageError', field: 'chain' })
  })

  it('refuses a tampered request, a forged payer and a signature from another domain', () => {
    assert.throws(() => verifySyncRequestSignature({ ...REQUEST, maxCharge: REQUEST.maxCharge + 1n }), { name: 'InvalidSignatureError' })
    assert.throws(() => verifySyncRequestSignature({ ...REQUEST, sig: signTau(OPERATOR_KEY, TAU_DOMAIN.syncRequest, { ...REQUEST }) }), { name: 'InvalidSignatureError' })
    const { sig: _sig, ...unsigned } = REQUEST
    const asPolicy = signTau(PAYER_KEY, TAU_DOMAIN.policy, unsigned)
    assert.throws(() => verifySyncRequestSignature({ ...REQUEST, sig: asPolicy }), { name: 'InvalidSignatureError' })
    assert.throws(() => signSyncRequest(unsigned, OPERATOR_KEY), { name: 'MalformedMessageError', field: 'payer' })
  })

  it('checks the request time within ±skew, inclusive', () => {
    checkSyncRequestTime(REQUEST, REQUEST.tsMs + 300_000, 300_000)
    checkSyncRequestTime(REQUEST, REQUEST.tsMs - 300_000, 300_000)
    assert.throws(() => checkSyncRequestTime(REQUEST, REQUEST.tsMs + 300_001, 300_000), { name: 'RequestExpiredError', maxSkewMs: 300_000 })
    assert.throws(() => checkSyncRequestTime(REQUEST, REQUEST.tsMs - 300_001, 300_000), { name: 'RequestExpiredError' })
  })

  it('names the field of every bad request value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ v: 0 }, 'v'], [{ id: new Uint8Array(17) }, 'id'], [{ payer: 'T1' }, 'payer'], [{ peer: new Uint8Array(65) }, 'peer'],
      [{ addrs: [] }, ''], [{ addrs: [new Uint8Array(0)] }, 'addrs[0]'], [{ addrs: new Array(17).fill(Uint8Array.of(4)) }, 'addrs'],
      [{ root: ROOT.bytes }, 'root'], [{ chain: new Uint8Array(0) }, 'chain'], [{ sel: [] }, 'sel'], [{ sel: undefined }, 'sel'],
      [{ maxBlocks: 0 }, 'maxBlocks'], [{ maxBytes: 2 ** 53 }, 'maxBytes'], [{ maxCharge: -1 }, 'maxCharge'],
      [{ policy: 'bafy' }, 'policy'], [{ tsMs: null }, 'tsMs'], [{ sig: undefined }, 'sig'], [{ nonce: 1 }, 'nonce']
    ]
    for (const [patch, field] of cases) {
      if (field === '') {
        // an empty addrs list is valid; it simply re-encodes as it came
        assert.ok(decodeWith(patch))
        continue
      }
      assert.throws(() => decodeWith(patch), { name: 'MalformedMessageError', field }, field)
    }
    assert.throws(() => decodeSyncRequest(new Uint8Array(MAX_SYNC_REQUEST_BYTES + 1)), { name: 'MalformedMessageError', field: '' })
    const huge = { ...REQUEST, sel: { x: new Uint8Array(MAX_SYNC_REQUEST_BYTES) } }
    assert.throws(() => encodeSyncRequest(huge), { name: 'MalformedMessageError', field: '' })
  })

  it('round-trips block frames and refuses bad CIDs and oversized blocks', () => {
    const data = new Uint8Array(1000).fill(9)
    const frame = decodeSyncFrame(encodeSyncBlockFrame(ROOT, data))
    assert.equal(frame.type, 'block')
    assert.ok(frame.type === 'block' && frame.cid.equals(ROOT))
    assert.deepEqual(frame.type === 'block' && frame.bytes, data)
    assert.throws(() => decodeSyncFrame(dagCbor.encode({ b: [Uint8Array.of(1, 2), data] })), { name: 'MalformedMessageError', field: 'b[0]' })
    assert.throws(() => decodeSyncFrame(dagCbor.encode({ b: [ROOT.bytes, 'x'] })), { name: 'MalformedMessageError', field: 'b[1]' })
    assert.throws(() => decodeSyncFrame(dagCbor.encode({ b: [ROOT.bytes] })), { name: 'MalformedMessageError', field: 'b' })
    assert.throws(() => decodeSyncFrame(encodeSyncBlockFrame(ROOT, data), { maxBlockBytes: 999 }), { name: 'MalformedMessageError', field: 'b[1]' })
    assert.throws(() => decodeSyncFrame(dagCbor.encode({ b: [ROOT.bytes, data], r: {} })), { name: 'MalformedMessageError' })
    assert.throws(() => decodeSyncFrame(dagCbor.encode({ x: 1 })), { name: 'MalformedMessageError', field: 'x' })
  })

  it('round-trips result frames with and without a receipt', () => {
    const rejected: SyncResult = { status: 'rejected', reason: 'insufficient_funds', root: null, blocks: 0, bytes: 0, freeBytes: 0, charge: 0n, balanceAfter: 5n }
    for (const result of [RESULT, rejected, { ...RESULT, status: 'limit', receipt: undefined } satisfies SyncResult]) {
      const frame = decodeSyncFrame(encodeSyncResultFrame(result))
      const expected = { ...result }
      if (expected.receipt === undefined) delete expected.receipt
      assert.deepEqual(frame, { type: 'result', result: expected })
    }
  })

  it('names the field of every bad result value, nested ones by their path', () => {
    const node = syncResultToNode(RESULT) as Record<string, unknown> & { receipt: Record<string, unknown> }
    const frame = (patch: Record<string, unknown>): Uint8Array => dagCbor.encode({ r: { ...node, ...patch } })
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ status: 77 }, 'r.status'], [{ reason: 100 }, 'r.reason'], [{ status: 6, reason: 999 }, 'r.reason'],
      [{ status: 6, reason: 100 }, 'r.receipt'], [{ freeBytes: RESULT.bytes + 1 }, 'r.freeBytes'], [{ balanceAfter: 'x' }, 'r.balanceAfter'],
      [{ receipt: { ...node.receipt, record: { ...(node.receipt.record as object), seq: -1 } } }, 'r.receipt.record.seq'],
      [{ receipt: { ...node.receipt, head: { ...(node.receipt.head as object), sig: null } } }, 'r.receipt.head.sig'],
      [{ receipt: { ...node.receipt, proof: new Uint8Array(0) } }, 'r.receipt.proof']
    ]
    for (const [patch, field] of cases) {
      assert.throws(() => decodeSyncFrame(frame(patch)), { name: 'MalformedMessageError', field }, field)
    }
    assert.throws(() => encodeSyncResultFrame({ ...RESULT, status: 'rejected' }), { name: 'MalformedMessageError', field: 'reason' })
    assert.equal(RECORD.status, 'completed')
  })
})
