// Proves graphsync v2 between two real libp2p nodes over loopback TCP: whole DAGs and partial
// selections arrive verified, byte for byte, in the selector's traversal order; missing roots and
// children end with 34 and 21; cancel stops the responder; the three extensions are honoured;
// and no graphsync stream or unhandled rejection is left behind.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import {
  TestStore, assertNoLeakedStreams, buildIndexDag, buildTree, collect, createGraphsyncNode, expectedOrder, exploreAll,
  putCbor, trackUnhandledRejections, waitFor
} from '../helpers/graphsync.js'
import type { GraphsyncNode } from '../helpers/graphsync.js'
import type { CID } from 'multiformats/cid'

const PIECE_BYTES = 256 * 1024

describe('graphsync fetch between two nodes', () => {
  const store = new TestStore()
  let requester: GraphsyncNode
  let responder: GraphsyncNode
  const unhandled = trackUnhandledRejections()

  before(async () => {
    responder = await createGraphsyncNode({ blockStore: store })
    requester = await createGraphsyncNode()
    await requester.dial(responder.getMultiaddrs()[0])
  })

  after(async () => {
    await assertNoLeakedStreams(requester, responder)
    unhandled.check()
    unhandled.stop()
    await requester.stop()
    await responder.stop()
  })

  const fetch = (root: CID, selector: unknown, options = {}): ReturnType<GraphsyncNode['services']['graphsync']['request']> =>
    requester.services.graphsync.request(responder.peerId, root, selector, { timeoutMs: 20_000, ...options })

  it('fetches a dag-cbor index of 20 raw 256 KiB pieces in walk order, byte for byte', async () => {
    const { root, pieces } = buildIndexDag(store, 20, PIECE_BYTES)
    const run = fetch(root, exploreAll())
    const blocks = await collect(run)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), [root, ...pieces].map(String))
    for (const { cid, bytes } of blocks) assert.deepEqual(bytes, store.blocks.get(cid.toString()))
    const result = await run.result
    assert.deepEqual(result, { status: GraphsyncStatus.RequestCompletedFull, blocks: 21, bytes: blocks.reduce((n, b) => n + b.bytes.byteLength, 0), missing: 0 })
  })

  it('fetches a 3-level dag-cbor tree with a shared leaf, each block once, in walk order', async () => {
    const { root } = buildTree(store)
    const blocks = await collect(fetch(root, exploreAll()))
    const expected = await expectedOrder(store, root, exploreAll())
    assert.equal(expected.length, 1 + 3 + 12 + 1)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), expected.map(String))
  })

  it('fetches ExploreFields and ExploreIndex partial selections', async () => {
    const { root } = buildTree(store)
    const leaves = { f: { 'f>': { children: { a: { '>': { '.': {} } } } } } }
    const selector = { f: { 'f>': { children: { i: { i: 1, '>': leaves } } } } }
    const run = fetch(root, selector)
    const blocks = await collect(run)
    const expected = await expectedOrder(store, root, selector)
    assert.equal(expected.length, 1 + 1 + 4, 'root, branch 1 and its 4 leaves')
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), expected.map(String))
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
  })

  it('ends with 34 when the root is missing', async () => {
    const root = putCbor(new TestStore(), { absent: true })
    const run = fetch(root, exploreAll())
    assert.deepEqual(await collect(run), [])
    assert.deepEqual(await run.result, { status: GraphsyncStatus.RequestFailedContentNotFound, blocks: 0, bytes: 0, missing: 0 })
  })

  it('ends with 21 and counts the missing child declared with m metadata', async () => {
    const local = new TestStore()
    const { root, pieces } = buildIndexDag(local, 5, 1024, 7)
    for (const [key, bytes] of local.blocks) if (key !== pieces[2].toString()) store.blocks.set(key, bytes)
    const run = fetch(root, exploreAll())
    const blocks = await collect(run)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), [root, pieces[0], pieces[1], pieces[3], pieces[4]].map(String))
    const result = await run.result
    assert.equal(result.status, GraphsyncStatus.RequestCompletedPartial)
    assert.equal(result.missing, 1)
  })

  it('rejects recursion "none" and depth over 100 with 30', async () => {
    const { root } = buildIndexDag(store, 1, 10, 3)
    const unbounded = { R: { l: { none: {} }, ':>': { a: { '>': { '@': {} } } } } }
    for (const selector of [unbounded, exploreAll(101)]) {
      const run = fetch(root, selector, { walkLimits: { allowRecursionNone: true, maxRecursionDepth: 1000 } })
      assert.deepEqual(await collect(run), [])
      assert.equal((await run.result).status, GraphsyncStatus.RequestRejected)
    }
  })

  it('cancels on abort: the responder stops early', async (t) => {
    const { root, pieces } = buildIndexDag(store, 400, PIECE_BYTES, 11)
    const before = responder.services.graphsync.responderStats(requester.peerId).blocksSent
    const controller = new AbortController()
    const run = fetch(root, exploreAll(), { signal: controller.signal })
    let received = 0
    let atAbort = 0
    await assert.rejects(async () => {
      for await (const block of run) {
        void block
        if (++received === 3) {
          controller.abort()
          atAbort = responder.services.graphsync.responderStats(requester.peerId).blocksSent - before
        }
      }
    }, { name: 'AbortError' })
    await assert.rejects(run.result, { name: 'AbortError' })
    await waitFor(() => responder.services.graphsync.responderStats(requester.peerId).inProgress === 0, 5000, 'the response to stop')
    const sent = responder.services.graphsync.responderStats(requester.peerId).blocksSent - before
    t.diagnostic(`responder had sent ${atAbort} blocks when 3 were consumed, ${sent} of ${pieces.length + 1} in all`)
    assert.ok(sent < pieces.length + 1, `responder sent ${sent} of ${pieces.length + 1} blocks`)
  })

  it('honours do-not-send-cids: those blocks come from the local store, not the wire', async () => {
    const { root, pieces } = buildIndexDag(store, 10, 4096, 21)
    const local = new TestStore()
    for (const cid of [pieces[3], pieces[7]]) local.put(cid, store.blocks.get(cid.toString()) as Uint8Array)
    const before = responder.services.graphsync.responderStats(requester.peerId).blocksSent
    const run = fetch(root, exploreAll(), { doNotSendCids: [pieces[3], pieces[7]], localStore: local })
    const blocks = await collect(run)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), [root, ...pieces.filter((_, i) => i !== 3 && i !== 7)].map(String))
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
    assert.equal(responder.services.graphsync.responderStats(requester.peerId).blocksSent - before, 9)
  })

  it('honours do-not-send-first-blocks: the first N blocks in walk order are skipped', async () => {
    const { root, pieces } = buildIndexDag(store, 10, 4096, 22)
    const local = new TestStore()
    for (const cid of [root, ...pieces.slice(0, 4)]) local.put(cid, store.blocks.get(cid.toString()) as Uint8Array)
    const run = fetch(root, exploreAll(), { doNotSendFirstBlocks: 5, localStore: local })
    const blocks = await collect(run)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), pieces.slice(4).map(String))
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
  })

  it('honours dedup-by-key: concurrent requests with one key share sent blocks', async () => {
    const shared = buildIndexDag(store, 20, PIECE_BYTES, 31)
    const other = putCbor(store, { name: 'other index', pieces: shared.pieces })
    const stats = (): number => responder.services.graphsync.responderStats(requester.peerId).blocksSent
    const fetchBoth = async (dedupByKey?: string): Promise<number> => {
      const before = stats()
      // slow reads make the two responses overlap; the second starts once the first has sent a few blocks
      store.delayMs = 2
      const first = fetch(shared.root, exploreAll(), { dedupByKey })
      const firstBlocks = collect(first)
      await waitFor(() => stats() >= before + 6, 5000, 'the first response to start')
      const second = fetch(other, exploreAll(), { dedupByKey })
      const runs = [first, second]
      const delivered = await Promise.all([firstBlocks, collect(second)])
      store.delayMs = 0
      for (const run of runs) assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
      const union = new Set(delivered.flat().map(({ cid }) => cid.toString()))
      assert.equal(union.size, 22, 'every block reached one of the two requests')
      return stats() - before
    }
    assert.equal(await fetchBoth(), 42, 'without a key each request gets every block')
    const withKey = await fetchBoth('attachment-1')
    assert.ok(withKey < 42, `with a key the responder sent ${withKey} blocks`)
  })
})
