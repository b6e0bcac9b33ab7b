/**
 * Proves the future-state messages round-trip in both response variants (with and without the
 * optional height hint and peer binding) and decode strictly, naming the field at fault.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import {
  checkFutureStateAnswers, decodeFutureStateRequest, decodeFutureStateResponse, encodeFutureStateRequest, encodeFutureStateResponse,
  isFutureStateRoot
} from '../../../protocol/future-state.js'
import { BINDING, ISSUED_MS, ROOT } from './messages-fixtures.js'
import type { FutureStateResponse } from '../../../protocol/future-state.js'

const CHAIN = Uint8Array.of(0)

describe('future-state', () => {
  it('round-trips the request and both response variants', () => {
    assert.deepEqual(decodeFutureStateRequest(encodeFutureStateRequest({ v: 1, chain: CHAIN })), { v: 1, chain: CHAIN })
    const responses: FutureStateResponse[] = [
      { v: 1, chain: CHAIN, root: ROOT, tsMs: ISSUED_MS },
      { v: 1, chain: CHAIN, root: ROOT, heightHint: 1234, tsMs: ISSUED_MS, binding: BINDING },
      { v: 1, chain: CHAIN, error: 'not_active' }
    ]
    for (const response of responses) {
      const decoded = decodeFutureStateResponse(encodeFutureStateResponse(response))
      assert.deepEqual(decoded, response)
      assert.equal(isFutureStateRoot(decoded), !('error' in response))
      checkFutureStateAnswers({ v: 1, chain: CHAIN }, decoded)
    }
    assert.throws(() => checkFutureStateAnswers({ v: 1, chain: Uint8Array.of(1) }, responses[0]), { name: 'MalformedMessageError', field: 'chain' })
  })

  it('names the field of every bad value', () => {
    const root = { v: 1, chain: CHAIN, root: ROOT, tsMs: ISSUED_MS }
    const cases: Array<[unknown, string]> = [
      [{ v: 1 }, 'chain'], [{ v: 1, chain: CHAIN, extra: 1 }, 'extra'], [{ v: 2, chain: CHAIN }, 'v']
    ]
    for (const [node, field] of cases) {
      assert.throws(() => decodeFutureStateRequest(dagCbor.encode(node)), { name: 'MalformedMessageError', field }, field)
    }
    const responseCases: Array<[unknown, string]> = [
      [{ ...root, root: null }, 'root'], [{ ...root, heightHint: -1 }, 'heightHint'], [{ ...root, tsMs: 'now' }, 'tsMs'],
      [{ ...root, binding: { ...BINDING, peer: new Uint8Array(0) } }, 'binding.peer'], [{ ...root, binding: [] }, 'binding'],
      [{ v: 1, chain: CHAIN, error: 'nope' }, 'error'], [{ v: 1, chain: CHAIN, error: 'not_active', root: ROOT }, 'root']
    ]
    for (const [node, field] of responseCases) {
      assert.throws(() => decodeFutureStateResponse(dagCbor.encode(node)), { name: 'MalformedMessageError', field }, field)
    }
    assert.throws(() => decodeFutureStateRequest(dagCbor.encode({ v: 1, chain: new Uint8Array(300) })), { name: 'MalformedMessageError', field: '' })
  })
})
