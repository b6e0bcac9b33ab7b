// Proves the graphsync limits between real nodes: a 7th concurrent request from one peer waits
// for one of the 6 slots (go-graphsync's default) and then completes; a slow consumer never makes
// the responder buffer more than its per-peer bound; max blocks, max bytes and the request time
// limit end a request with their typed error and stop the responder.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import {
  TestStore, assertNoLeakedStreams, buildIndexDag, collect, createGraphsyncNode, exploreAll, trackUnhandledRejections, waitFor
} from '../helpers/graphsync.js'
import type { GraphsyncNode } from '../helpers/graphsync.js'
import type { GraphsyncInit } from '../../relay/graphsync/index.js'
import type { TestContext } from 'node:test'

const PIECE_BYTES = 256 * 1024

async function pair (t: TestContext, init: GraphsyncInit): Promise<{ requester: GraphsyncNode, responder: GraphsyncNode }> {
  const unhandled = trackUnhandledRejections()
  const responder = await createGraphsyncNode(init)
  const requester = await createGraphsyncNode()
  await requester.dial(responder.getMultiaddrs()[0])
  t.after(async () => {
    await assertNoLeakedStreams(requester, responder)
    unhandled.check()
    unhandled.stop()
    await requester.stop()
    await responder.stop()
  })
  return { requester, responder }
}

describe('graphsync limits', () => {
  it('queues the 7th concurrent request of a peer until one of 6 slots frees, then serves it', async (t) => {
    const store = new TestStore()
    const { root } = buildIndexDag(store, 48, PIECE_BYTES)
    const { requester, responder } = await pair(t, { blockStore: store, maxBufferedBytesPerPeer: 1024 * 1024 })
    const stats = (): ReturnType<typeof responder.services.graphsync.responderStats> => responder.services.graphsync.responderStats(requester.peerId)
    // nobody reads yet: the six running responses stall on backpressure, the seventh must wait
    const runs = Array.from({ length: 7 }, () => requester.services.graphsync.request(responder.peerId, root, exploreAll(), { timeoutMs: 30_000 }))
    await waitFor(() => stats().inProgress === 6 && stats().queued === 1, 5000, '6 running and 1 queued')
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(stats().queued, 1, 'the 7th still waits while the others are stalled')
    t.diagnostic(`stalled with ${stats().blocksSent} blocks sent, ${stats().bufferedBytes} bytes buffered`)
    const delivered = await Promise.all(runs.map(async (run) => collect(run)))
    for (const [i, run] of runs.entries()) {
      assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull, `request ${i}`)
      assert.equal(delivered[i].length, 49)
    }
    assert.deepEqual({ inProgress: stats().inProgress, queued: stats().queued }, { inProgress: 0, queued: 0 })
  })

  it('keeps the responder buffer under its per-peer bound with a slow consumer', async (t) => {
    const store = new TestStore()
    const maxBufferedBytesPerPeer = 2 * 1024 * 1024
    const { root, pieces } = buildIndexDag(store, 80, PIECE_BYTES, 2)
    const { requester, responder } = await pair(t, { blockStore: store, maxBufferedBytesPerPeer })
    const run = requester.services.graphsync.request(responder.peerId, root, exploreAll(), { timeoutMs: 30_000 })
    let count = 0
    for await (const block of run) {
      assert.deepEqual(block.bytes, store.blocks.get(block.cid.toString()))
      count++
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    assert.equal(count, pieces.length + 1)
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
    const { maxBufferedBytesSeen } = responder.services.graphsync.responderStats(requester.peerId)
    t.diagnostic(`responder buffered at most ${maxBufferedBytesSeen} bytes (bound ${maxBufferedBytesPerPeer}) for ${80 * PIECE_BYTES} bytes sent`)
    // one message may always pass an empty buffer: the bound plus one 512 KiB message and framing
    assert.ok(maxBufferedBytesSeen <= maxBufferedBytesPerPeer + 600 * 1024, `buffered ${maxBufferedBytesSeen}`)
  })

  it('ends at max blocks and max bytes with GraphsyncLimitError and stops the responder', async (t) => {
    const store = new TestStore()
    const { root } = buildIndexDag(store, 200, PIECE_BYTES, 3)
    const { requester, responder } = await pair(t, { blockStore: store })
    for (const [options, limit] of [[{ maxBlocks: 5 }, 'blocks'], [{ maxBytes: 3 * PIECE_BYTES }, 'bytes']] as const) {
      const run = requester.services.graphsync.request(responder.peerId, root, exploreAll(), options)
      const got: unknown[] = []
      await assert.rejects(async () => { for await (const block of run) got.push(block) }, { name: 'GraphsyncLimitError', limit })
      assert.ok(got.length <= 5)
      await waitFor(() => responder.services.graphsync.responderStats(requester.peerId).inProgress === 0, 5000, 'the responder to stop')
    }
    const { blocksSent } = responder.services.graphsync.responderStats(requester.peerId)
    t.diagnostic(`responder sent ${blocksSent} of 2 × 201 blocks before the cancels`)
    assert.ok(blocksSent < 402)
  })

  it('ends at the request time limit with GraphsyncTimeoutError', async (t) => {
    const store = new TestStore()
    const { root } = buildIndexDag(store, 20, 1024, 4)
    store.delayMs = 100
    const { requester, responder } = await pair(t, { blockStore: store })
    const run = requester.services.graphsync.request(responder.peerId, root, exploreAll(), { timeoutMs: 250 })
    await assert.rejects(collect(run), { name: 'GraphsyncTimeoutError', timeout: 'request' })
    await waitFor(() => responder.services.graphsync.responderStats(requester.peerId).inProgress === 0, 5000, 'the responder to stop')
  })
})
