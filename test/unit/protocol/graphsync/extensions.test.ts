// Proves the typed helpers of the v2 extensions read and write the value kinds go-graphsync uses
// (do-not-send-cids: list of links; do-not-send-first-blocks: int; dedup-by-key: string), survive
// a codec round trip, and reject wrong kinds with MalformedMessageError naming the extension.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../../../protocol/graphsync/codec.js'
import {
  buildExtensions, decodeDedupByKey, decodeDoNotSendCids, decodeDoNotSendFirstBlocks, encodeDoNotSendCids,
  EXTENSION_DEDUP_BY_KEY, EXTENSION_DO_NOT_SEND_CIDS, EXTENSION_DO_NOT_SEND_FIRST_BLOCKS, readKnownExtensions
} from '../../../../protocol/graphsync/extensions.js'
import { assertMalformed, cidOf, requestId, wire } from './helpers.js'

describe('graphsync v2 extensions', async () => {
  const a = await cidOf('a')
  const b = await cidOf('b', 0x55)

  it('names match go-graphsync', () => {
    assert.equal(EXTENSION_DO_NOT_SEND_CIDS, 'graphsync/do-not-send-cids')
    assert.equal(EXTENSION_DO_NOT_SEND_FIRST_BLOCKS, 'graphsync/do-not-send-first-blocks')
    assert.equal(EXTENSION_DEDUP_BY_KEY, 'graphsync/dedup-by-key')
  })

  it('do-not-send-cids is a list of links, deduplicated', () => {
    assert.deepEqual(encodeDoNotSendCids([a, b, a]), [a, b])
    assert.deepEqual(decodeDoNotSendCids([b, a, b]), [b, a])
    assertMalformed(() => decodeDoNotSendCids(a.bytes), `ext.${EXTENSION_DO_NOT_SEND_CIDS}`)
    assertMalformed(() => decodeDoNotSendCids([a, 'b']), `ext.${EXTENSION_DO_NOT_SEND_CIDS}[1]`)
  })

  it('do-not-send-first-blocks is a non-negative int, dedup-by-key a string', () => {
    assert.equal(decodeDoNotSendFirstBlocks(12), 12)
    assertMalformed(() => decodeDoNotSendFirstBlocks(-1), `ext.${EXTENSION_DO_NOT_SEND_FIRST_BLOCKS}`)
    assertMalformed(() => decodeDoNotSendFirstBlocks('12'), `ext.${EXTENSION_DO_NOT_SEND_FIRST_BLOCKS}`)
    assert.equal(decodeDedupByKey('transfer-1'), 'transfer-1')
    assertMalformed(() => decodeDedupByKey(new Uint8Array([1])), `ext.${EXTENSION_DEDUP_BY_KEY}`)
  })

  it('round-trips through a request and ignores unknown extensions', () => {
    const extensions = buildExtensions({ doNotSendCids: [a, b], doNotSendFirstBlocks: 3, dedupByKey: 'k' }, new Map([['vendor/x', 1]]))
    const bytes = encodeGraphsyncMessage({ requests: [{ id: requestId(1), type: 'update', priority: 0, extensions }] })
    const decoded = decodeGraphsyncMessage(bytes).requests?.[0].extensions ?? new Map()
    assert.deepEqual(readKnownExtensions(decoded), { doNotSendCids: [a, b], doNotSendFirstBlocks: 3, dedupByKey: 'k' })
    assert.equal(decoded.get('vendor/x'), 1)
    assert.deepEqual(readKnownExtensions(new Map([['vendor/x', 1]])), {})
  })

  it('a malformed known extension names the request field path', () => {
    const bytes = wire({ gs2: { req: [{ id: requestId(2), type: 'u', ext: { [EXTENSION_DEDUP_BY_KEY]: 5 } }] } })
    const extensions = decodeGraphsyncMessage(bytes).requests?.[0].extensions ?? new Map()
    assertMalformed(() => readKnownExtensions(extensions, 'gs2.req[0].ext'), `gs2.req[0].ext.${EXTENSION_DEDUP_BY_KEY}`)
  })
})
