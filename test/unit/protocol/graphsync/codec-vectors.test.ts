// Proves the codec reads real go-graphsync v2 messages (hex vectors, see
// test/fixtures/graphsync-v2/README.md) to the expected values and re-encodes them byte for byte.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { cidFromPrefix, parseCidPrefix } from '../../../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../../../protocol/graphsync/codec.js'
import {
  BLOCKS_FRAME_HEX, REQUEST_FRAME_HEX, RESPONSE_FRAME_HEX, ROUNDTRIP_ROOT_1, ROUNDTRIP_ROOT_2
} from '../../../fixtures/graphsync-v2/vectors.js'
import { assertSameBytes, EXPLORE_ALL, fromHex, unframe } from './helpers.js'

describe('graphsync v2 known-answer vectors (go-graphsync output)', () => {
  it('decodes the new-request vector and re-encodes it exactly', () => {
    const body = unframe(fromHex(REQUEST_FRAME_HEX))
    const message = decodeGraphsyncMessage(body)
    assert.deepEqual(Object.keys(message), ['requests'])
    assert.equal(message.requests?.length, 1)
    const [request] = message.requests ?? []
    assert.deepEqual(request.id, fromHex('326a3f8c261e47ca8b4ea121ba808567'))
    assert.equal(request.type, 'new')
    assert.equal(request.priority, 0)
    assert.equal(request.root?.toString(), 'bafybeie7gxlhyqmd7x5eianv7xayltzgudwbrxhzfhr43nwnz2qjzbj2pa')
    assert.deepEqual(request.selector, EXPLORE_ALL)
    assert.equal(request.extensions.size, 0)
    assertSameBytes(encodeGraphsyncMessage(message), body)
  })

  it('decodes the two-response vector with every link action and re-encodes it exactly', () => {
    const body = unframe(fromHex(RESPONSE_FRAME_HEX))
    const message = decodeGraphsyncMessage(body)
    const [first, second] = message.responses ?? []
    assert.equal(message.responses?.length, 2)
    assert.deepEqual(first.requestId, fromHex('23f795f246c445588a2a4cb970a525fd'))
    assert.equal(first.status, 34)
    assert.deepEqual(first.metadata?.map((m) => [m.link.toString(), m.action]), [
      [ROUNDTRIP_ROOT_2, 'missing'], [ROUNDTRIP_ROOT_1, 'duplicateNotSent']
    ])
    assert.equal(first.extensions.size, 0)
    assert.deepEqual(second.requestId, fromHex('8a63ea3fd29141f48ce56ef043a17c23'))
    assert.equal(second.status, 14)
    assert.deepEqual(second.metadata?.map((m) => [m.link.toString(), m.action]), [
      [ROUNDTRIP_ROOT_2, 'duplicateDagSkipped'], [ROUNDTRIP_ROOT_1, 'present']
    ])
    assert.deepEqual([...second.extensions.keys()], ['Hippity+Hoppity'])
    const extension = second.extensions.get('Hippity+Hoppity')
    assert.ok(extension instanceof Uint8Array)
    assert.equal(extension.length, 100)
    assertSameBytes(encodeGraphsyncMessage(message), body)
  })

  it('decodes the blocks vector, hashes each block to its raw sha2-256 CID and re-encodes exactly', () => {
    const body = unframe(fromHex(BLOCKS_FRAME_HEX))
    const message = decodeGraphsyncMessage(body)
    assert.equal(message.blocks?.length, 2)
    for (const block of message.blocks ?? []) {
      assert.deepEqual(block.prefix, fromHex('01551220'))
      assert.deepEqual(parseCidPrefix(block.prefix), { version: 1, codec: 0x55, multihashCode: 0x12, digestLength: 32 })
      assert.equal(block.data.length, 100)
      const cid = cidFromPrefix(block.prefix, block.data)
      const expected = createHash('sha256').update(block.data).digest()
      assert.equal(cid.version, 1)
      assert.equal(cid.code, 0x55)
      assert.deepEqual(cid.multihash.digest, Uint8Array.from(expected))
      assert.ok(CID.asCID(cid) !== null)
    }
    assertSameBytes(encodeGraphsyncMessage(message), body)
  })
})
