// Proves every graphsync v2 message shape survives encode → decode unchanged, that encoding omits
// what go-graphsync omits (empty lists, empty ext/meta, pri 0, never null) so re-encoding a
// canonical message gives the same bytes, that real-peer variants (pri 0, empty maps, unknown
// extensions) are accepted, and that an over-limit message is refused before it is parsed.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { blockPrefix } from '../../../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../../../protocol/graphsync/codec.js'
import { DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES } from '../../../../protocol/graphsync/constants.js'
import { GRAPHSYNC_STATUS_NAMES } from '../../../../protocol/graphsync/message.js'
import { assertSameBytes, cidOf, EXPLORE_ALL, requestId, wire } from './helpers.js'
import type { GraphsyncMessage } from '../../../../protocol/graphsync/message.js'

function roundTrip (message: GraphsyncMessage): void {
  const bytes = encodeGraphsyncMessage(message)
  const decoded = decodeGraphsyncMessage(bytes)
  assert.deepStrictEqual(decoded, message)
  assertSameBytes(encodeGraphsyncMessage(decoded), bytes, 'canonical re-encoding')
}

describe('graphsync codec round trips', async () => {
  const root = await cidOf('root')
  const other = await cidOf('other', 0x55)

  it('an empty message is {"gs2": {}}', () => {
    roundTrip({})
    assertSameBytes(encodeGraphsyncMessage({ requests: [], responses: [], blocks: [] }), wire({ gs2: {} }))
  })

  it('a new request with priority, root, selector and extensions', () => {
    roundTrip({
      requests: [{
        id: requestId(1),
        type: 'new',
        priority: -7,
        root,
        selector: EXPLORE_ALL,
        extensions: new Map<string, unknown>([['graphsync/dedup-by-key', 'k'], ['x/null', null], ['x/link', other]])
      }]
    })
  })

  it('a cancel and an update request, bare and with extensions', () => {
    roundTrip({
      requests: [
        { id: requestId(2), type: 'cancel', priority: 0, extensions: new Map() },
        { id: requestId(3), type: 'update', priority: 0, extensions: new Map([['graphsync/do-not-send-first-blocks', 5]]) }
      ]
    })
  })

  it('a response of every status, with and without metadata and extensions', () => {
    const responses = [...GRAPHSYNC_STATUS_NAMES.keys()].map((status, i) => ({
      requestId: requestId(10 + i),
      status,
      ...(i % 2 === 0 ? { metadata: [{ link: root, action: 'present' as const }, { link: other, action: 'missing' as const }] } : {}),
      extensions: i % 3 === 0 ? new Map<string, unknown>([['z', { nested: [1, 'two', new Uint8Array([3])] }]]) : new Map<string, unknown>()
    }))
    roundTrip({ responses })
  })

  it('blocks, and a message carrying requests, responses and blocks together', () => {
    const data = new TextEncoder().encode('hello')
    const block = { prefix: blockPrefix(other), data }
    roundTrip({ blocks: [block, block] })
    roundTrip({
      requests: [{ id: requestId(4), type: 'new', priority: 1, root, selector: EXPLORE_ALL, extensions: new Map() }],
      responses: [{ requestId: requestId(4), status: 14, metadata: [{ link: other, action: 'duplicateDagSkipped' }], extensions: new Map() }],
      blocks: [block]
    })
  })

  it('omits pri 0, empty ext, empty meta and empty lists instead of writing them or null', () => {
    const bytes = encodeGraphsyncMessage({
      requests: [{ id: requestId(5), type: 'new', priority: 0, root, selector: EXPLORE_ALL, extensions: new Map() }],
      responses: [{ requestId: requestId(5), status: 20, metadata: [], extensions: new Map() }],
      blocks: []
    })
    assertSameBytes(bytes, wire({
      gs2: {
        req: [{ id: requestId(5), type: 'n', root, sel: EXPLORE_ALL }],
        rsp: [{ reqid: requestId(5), stat: 20 }]
      }
    }))
  })
})

describe('graphsync codec tolerance of real peers', async () => {
  const root = await cidOf('root')

  it('accepts pri: 0 written explicitly, and re-encodes it the go way (omitted)', () => {
    const bytes = wire({ gs2: { req: [{ id: requestId(6), type: 'n', pri: 0, root, sel: EXPLORE_ALL }] } })
    const message = decodeGraphsyncMessage(bytes)
    assert.equal(message.requests?.[0].priority, 0)
    assertSameBytes(encodeGraphsyncMessage(message), wire({ gs2: { req: [{ id: requestId(6), type: 'n', root, sel: EXPLORE_ALL }] } }))
  })

  it('accepts empty lists, empty ext and empty meta', () => {
    const message = decodeGraphsyncMessage(wire({
      gs2: { req: [], rsp: [{ reqid: requestId(7), stat: 10, meta: [], ext: {} }], blk: [] }
    }))
    assert.deepStrictEqual(message, {
      requests: [],
      responses: [{ requestId: requestId(7), status: 10, metadata: [], extensions: new Map() }],
      blocks: []
    })
  })

  it('carries unknown extensions of any IPLD kind untouched, null values included', () => {
    // fromEntries makes "__proto__" an own key, as cborg's decoder does
    const ext = Object.fromEntries([
      ['fil/data-transfer/1.1', { IsRq: true, Request: { BCid: root, Vouch: null, Type: 0 } }], ['vendor/x', null], ['__proto__', 3]
    ])
    const bytes = wire({ gs2: { rsp: [{ reqid: requestId(8), stat: 14, ext }] } })
    const message = decodeGraphsyncMessage(bytes)
    const extensions = message.responses?.[0].extensions
    assert.deepEqual([...(extensions?.keys() ?? [])].sort(), ['__proto__', 'fil/data-transfer/1.1', 'vendor/x'])
    assert.equal(extensions?.get('__proto__'), 3)
    assert.equal(extensions?.get('vendor/x'), null)
    assertSameBytes(encodeGraphsyncMessage(message), bytes)
  })

  it('keeps root and sel on cancel and update requests (go ignores them; we carry them)', () => {
    const bytes = wire({ gs2: { req: [{ id: requestId(9), type: 'c', root, sel: EXPLORE_ALL }] } })
    const message = decodeGraphsyncMessage(bytes)
    assert.equal(message.requests?.[0].type, 'cancel')
    assertSameBytes(encodeGraphsyncMessage(message), bytes)
  })
})

describe('graphsync message size limit', () => {
  it('refuses a 4 MiB + 1 byte message quickly and accepts one of exactly 4 MiB', async () => {
    const other = await cidOf('big', 0x55)
    const build = (dataBytes: number): Uint8Array => dagCbor.encode({
      gs2: { blk: [[blockPrefix(other), new Uint8Array(dataBytes)]] }
    })
    const overhead = build(DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES - 100).length - (DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES - 100)
    const exact = build(DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES - overhead)
    assert.equal(exact.length, DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES)
    assert.equal(decodeGraphsyncMessage(exact).blocks?.length, 1)

    const over = build(DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES - overhead + 1)
    assert.equal(over.length, DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES + 1)
    const started = performance.now()
    assert.throws(() => decodeGraphsyncMessage(over), { name: 'MalformedMessageError' })
    // the length check runs before any parsing: a fraction of a millisecond, 50 ms leaves CI slack
    assert.ok(performance.now() - started < 50, 'rejected without parsing')
  })

  it('honours a smaller configured limit', () => {
    const bytes = wire({ gs2: {} })
    assert.throws(() => decodeGraphsyncMessage(bytes, { maxMessageBytes: bytes.length - 1 }), { name: 'MalformedMessageError' })
  })
})
