// Proves what our responder puts on the wire, read by a raw requester of our own: it answers on a
// stream it opens back, every message carries at most 512 KiB of blocks, interim messages are 14
// and the last one 20, metadata lists every link in traversal order with `p`, each block next to
// its metadata; and an update carrying do-not-send-cids turns later links into `d`.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { varint } from 'multiformats'
import { cidFromPrefix } from '../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE, GRAPHSYNC_PROTOCOL_V2 } from '../../protocol/graphsync/constants.js'
import { EXTENSION_DO_NOT_SEND_CIDS } from '../../protocol/graphsync/extensions.js'
import { FrameReader } from '../../relay/graphsync/frame-reader.js'
import {
  TestStore, assertNoLeakedStreams, buildIndexDag, createGraphsyncNode, exploreAll, trackUnhandledRejections, waitFor
} from '../helpers/graphsync.js'
import { createTestNode } from '../helpers/libp2p.js'
import type { GraphsyncMessage } from '../../protocol/graphsync/message.js'
import type { GraphsyncInit } from '../../relay/graphsync/index.js'
import type { TestContext } from 'node:test'

const PIECE_BYTES = 256 * 1024
const ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1)

function frame (message: GraphsyncMessage): Uint8Array {
  const body = encodeGraphsyncMessage(message)
  const out = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encodeTo(body.byteLength, out, 0)
  out.set(body, varint.encodingLength(body.byteLength))
  return out
}

/** A raw requester: sends frames on new streams, collects every message the responder sends back. */
async function rawPair (t: TestContext, init: GraphsyncInit): Promise<{ send: (message: GraphsyncMessage) => Promise<void>, received: GraphsyncMessage[], release: () => void }> {
  const unhandled = trackUnhandledRejections()
  const responder = await createGraphsyncNode(init)
  const raw = await createTestNode({ transport: 'tcp' })
  const received: GraphsyncMessage[] = []
  let release!: () => void
  let hold: Promise<void> | undefined = new Promise((resolve) => { release = resolve })
  const readers: Array<Promise<void>> = []
  await raw.handle(GRAPHSYNC_PROTOCOL_V2, (stream) => {
    readers.push((async () => {
      // read one frame at a time; while held, the stream pauses and the responder stalls
      for await (const bytes of new FrameReader(stream, { maxFrameBytes: 1 << 22, maxQueuedBytes: 1, readBufferBytes: 1 << 25 })) {
        await hold
        received.push(decodeGraphsyncMessage(bytes))
      }
      await stream.close()
    })())
  })
  t.after(async () => {
    release()
    await Promise.all(readers)
    await assertNoLeakedStreams(responder, raw)
    unhandled.check()
    unhandled.stop()
    await raw.stop()
    await responder.stop()
  })
  await raw.dial(responder.getMultiaddrs()[0])
  const send = async (message: GraphsyncMessage): Promise<void> => {
    const stream = await raw.dialProtocol(responder.peerId, GRAPHSYNC_PROTOCOL_V2)
    stream.send(frame(message))
    await stream.close()
  }
  return { send, received, release: () => { hold = undefined; release() } }
}

describe('graphsync responder on the wire', () => {
  it('splits blocks at 512 KiB per message, 14 then 20, metadata in traversal order', async (t) => {
    const store = new TestStore()
    const { root, pieces } = buildIndexDag(store, 20, PIECE_BYTES)
    const { send, received, release } = await rawPair(t, { blockStore: store })
    release()
    await send({ requests: [{ id: ID, type: 'new', priority: 0, root, selector: exploreAll(), extensions: new Map() }] })
    await waitFor(() => received.some((message) => (message.responses?.[0].status ?? 0) >= 20), 5000, 'the final status')
    const statuses = received.map((message) => message.responses?.[0].status)
    assert.deepEqual(statuses, [...Array(statuses.length - 1).fill(14), 20])
    for (const message of received) {
      const bytes = (message.blocks ?? []).reduce((n, block) => n + block.data.byteLength, 0)
      assert.ok(bytes <= DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE, `message with ${bytes} bytes of blocks`)
      // each block travels with its own metadata entry
      const sent = (message.blocks ?? []).map((block) => cidFromPrefix(block.prefix, block.data).toString())
      const present = (message.responses?.[0].metadata ?? []).filter((entry) => entry.action === 'present').map((entry) => entry.link.toString())
      assert.deepEqual(sent, present)
    }
    const metadata = received.flatMap((message) => message.responses?.[0].metadata ?? [])
    assert.deepEqual(metadata.map(({ link, action }) => `${link.toString()}:${action}`), [root, ...pieces].map((cid) => `${cid.toString()}:present`))
    t.diagnostic(`${received.length} messages for 21 blocks of ${20 * PIECE_BYTES + 1000} bytes`)
  })

  it('applies an update with do-not-send-cids to a running response', async (t) => {
    const store = new TestStore()
    const { root, pieces } = buildIndexDag(store, 200, PIECE_BYTES, 2)
    const { send, received, release } = await rawPair(t, { blockStore: store, maxBufferedBytesPerPeer: 1024 * 1024 })
    await send({ requests: [{ id: ID, type: 'new', priority: 0, root, selector: exploreAll(), extensions: new Map() }] })
    // the raw requester does not read yet: the response stalls once the yamux window (up to 16 MiB)
    // and the 1 MiB send buffer are full, long before the last of 50 MiB
    await new Promise((resolve) => setTimeout(resolve, 300))
    const late = pieces.slice(195)
    await send({ requests: [{ id: ID, type: 'update', priority: 0, extensions: new Map([[EXTENSION_DO_NOT_SEND_CIDS, late]]) }] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    release()
    await waitFor(() => received.some((message) => (message.responses?.[0].status ?? 0) >= 20), 10_000, 'the final status')
    const actions = new Map(received.flatMap((message) => message.responses?.[0].metadata ?? []).map(({ link, action }) => [link.toString(), action]))
    for (const cid of late) assert.equal(actions.get(cid.toString()), 'duplicateNotSent')
    assert.equal(actions.get(pieces[0].toString()), 'present')
  })
})
