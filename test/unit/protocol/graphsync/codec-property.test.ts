// Property tests: any well-formed message round-trips exactly (values and bytes); random bytes,
// byte-flipped valid messages and valid-shaped messages with wrong field values never make
// decodeGraphsyncMessage throw anything but MalformedMessageError.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { MalformedMessageError } from '../../../../protocol/errors.js'
import { blockPrefix } from '../../../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../../../protocol/graphsync/codec.js'
import { GRAPHSYNC_STATUS_NAMES } from '../../../../protocol/graphsync/message.js'
import { assertSameBytes } from './helpers.js'
import type { GraphsyncLinkAction, GraphsyncMessage, GraphsyncRequestType } from '../../../../protocol/graphsync/message.js'

const cid = fc.tuple(fc.constantFrom(0x55, 0x70, 0x71), fc.uint8Array({ minLength: 32, maxLength: 32 }))
  .map(([code, digest]) => CID.createV1(code, createDigest(0x12, digest)))
const key = fc.string({ unit: 'grapheme', maxLength: 8 })

/** Any IPLD data-model value DAG-CBOR round-trips (no -0: it encodes as the integer 0). */
const { ipld } = fc.letrec((tie) => ({
  ipld: fc.oneof({ depthSize: 'small', maxDepth: 3 },
    fc.constant(null), fc.boolean(), fc.integer(), fc.maxSafeInteger(), fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.uint8Array({ maxLength: 16 }), cid,
    fc.array(tie('ipld'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('ipld')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)))
}))
const extensions = fc.array(fc.tuple(key, ipld), { maxLength: 3 }).map((entries) => new Map(entries))
const id = fc.uint8Array({ minLength: 16, maxLength: 16 })
const requestType = fc.constantFrom<GraphsyncRequestType>('new', 'cancel', 'update')
const action = fc.constantFrom<GraphsyncLinkAction>('present', 'duplicateNotSent', 'missing', 'duplicateDagSkipped')

const request = fc.record({
  id, type: requestType, priority: fc.integer(), root: cid, selector: ipld.filter((v) => v !== null), extensions
}, { requiredKeys: ['id', 'type', 'priority', 'extensions'], noNullPrototype: true })
const response = fc.record({
  requestId: id,
  status: fc.constantFrom(...GRAPHSYNC_STATUS_NAMES.keys()),
  metadata: fc.array(fc.record({ link: cid, action }, { noNullPrototype: true }), { minLength: 1, maxLength: 4 }),
  extensions
}, { requiredKeys: ['requestId', 'status', 'extensions'], noNullPrototype: true })
const block = fc.record({ prefix: cid.map(blockPrefix), data: fc.uint8Array({ maxLength: 64 }) }, { noNullPrototype: true })
const message: fc.Arbitrary<GraphsyncMessage> = fc.record({
  requests: fc.array(request, { minLength: 1, maxLength: 3 }),
  responses: fc.array(response, { minLength: 1, maxLength: 3 }),
  blocks: fc.array(block, { minLength: 1, maxLength: 3 })
}, { requiredKeys: [], noNullPrototype: true })

/** A wire value that is usually valid, else any IPLD value. */
function maybeWrong<T> (valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: ipld })
}
/** A map of fields that may each be wrong or missing, maybe with a stray key. */
function wireMap (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const maybeMissing = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fc.option(v, { freq: 5 })]))
  return fc.tuple(fc.record(maybeMissing), fc.option(fc.tuple(key, ipld))).map(([map, extra]) => {
    const entries = Object.entries(map).filter(([, v]) => v !== null)
    if (extra !== null) entries.push(extra)
    return Object.fromEntries(entries)
  })
}
const wrongRequest = wireMap({
  id: maybeWrong(id),
  type: maybeWrong(fc.constantFrom('n', 'c', 'u')),
  pri: maybeWrong(fc.integer()),
  root: maybeWrong(cid),
  sel: maybeWrong(ipld),
  ext: maybeWrong(ipld)
})
const wrongResponse = wireMap({
  reqid: maybeWrong(id),
  stat: maybeWrong(fc.constantFrom(...GRAPHSYNC_STATUS_NAMES.keys())),
  meta: maybeWrong(fc.array(fc.tuple(maybeWrong(cid), maybeWrong(fc.constantFrom('p', 'd', 'm', 's'))))),
  ext: maybeWrong(ipld)
})
const wrongBlock = fc.array(maybeWrong(fc.oneof(cid.map(blockPrefix), fc.uint8Array({ maxLength: 8 }))), { maxLength: 3 })
const wrongMessage = wireMap({
  req: maybeWrong(fc.array(maybeWrong(wrongRequest), { maxLength: 3 })),
  rsp: maybeWrong(fc.array(maybeWrong(wrongResponse), { maxLength: 3 })),
  blk: maybeWrong(fc.array(maybeWrong(wrongBlock), { maxLength: 3 }))
})

/** Decoding either succeeds or throws MalformedMessageError; anything else fails the property. */
function decodesOrMalformed (bytes: Uint8Array): void {
  try {
    decodeGraphsyncMessage(bytes)
  } catch (err: unknown) {
    if (!(err instanceof MalformedMessageError)) throw err
  }
}

describe('graphsync codec properties', () => {
  it('every well-formed message round-trips to equal values and identical bytes', () => {
    fc.assert(fc.property(message, (m) => {
      const bytes = encodeGraphsyncMessage(m)
      const decoded = decodeGraphsyncMessage(bytes)
      assert.deepStrictEqual(decoded, m)
      assertSameBytes(encodeGraphsyncMessage(decoded), bytes)
    }), { numRuns: 200 })
  })

  it('random bytes, bare or behind a gs2 header, only ever fail with MalformedMessageError', () => {
    const header = dagCbor.encode({ gs2: {} }).subarray(0, 5) // a1 63 'gs2'
    fc.assert(fc.property(fc.boolean(), fc.uint8Array({ maxLength: 256 }), (withHeader, tail) => {
      decodesOrMalformed(withHeader ? Uint8Array.from([...header, ...tail]) : tail)
    }), { numRuns: 1000 })
  })

  it('valid messages with flipped bytes only ever fail with MalformedMessageError', () => {
    fc.assert(fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, xor) => {
      const bytes = Uint8Array.from(encodeGraphsyncMessage(m))
      bytes[at % bytes.length] ^= xor
      decodesOrMalformed(bytes)
    }), { numRuns: 300 })
  })

  it('valid-shaped messages with wrong, missing or extra fields only ever fail with MalformedMessageError', () => {
    let rejected = 0
    fc.assert(fc.property(fc.oneof(wrongMessage, ipld), (gs2) => {
      const bytes = dagCbor.encode({ gs2 })
      try {
        decodeGraphsyncMessage(bytes)
      } catch (err: unknown) {
        if (!(err instanceof MalformedMessageError)) throw err
        rejected++
      }
    }), { numRuns: 500 })
    assert.ok(rejected > 100, `most mutated messages are rejected (${rejected})`)
  })
})
