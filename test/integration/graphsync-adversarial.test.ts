// Proves the graphsync requester survives a misbehaving responder of our own making (a raw
// protocol handler that speaks the wire format badly): a corrupt block, valid blocks the selector
// does not reach (out of order, undeclared), an oversized block, endless interim responses,
// silence, a reset or a clean close in the middle of a message, a 5 MiB frame and garbage each
// end the request with its typed error — with no unhandled rejection and no stream left open.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { varint } from 'multiformats'
import { blockPrefix } from '../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { GRAPHSYNC_PROTOCOL_V2 } from '../../protocol/graphsync/constants.js'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { FrameReader } from '../../relay/graphsync/frame-reader.js'
import {
  TestStore, assertNoLeakedStreams, buildIndexDag, collect, createGraphsyncNode, exploreAll, pseudoRandomBytes, putRaw,
  trackUnhandledRejections
} from '../helpers/graphsync.js'
import { createTestNode } from '../helpers/libp2p.js'
import type { GraphsyncMessage, GraphsyncRequest } from '../../protocol/graphsync/message.js'
import type { GraphsyncRequestOptions } from '../../relay/graphsync/index.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { TestContext } from 'node:test'

/** What the bad responder does with a request: it gets a stream back to the requester (or none). */
type Behaviour = (request: GraphsyncRequest, open: () => Promise<Stream>, cancelled: () => boolean) => Promise<void>

function frame (message: GraphsyncMessage): Uint8Array {
  const body = encodeGraphsyncMessage(message)
  const out = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encodeTo(body.byteLength, out, 0)
  out.set(body, varint.encodingLength(body.byteLength))
  return out
}

function response (request: GraphsyncRequest, status: number, meta: Array<[CID, 'present' | 'missing']>, blocks: Array<[CID, Uint8Array]> = []): Uint8Array {
  return frame({
    responses: [{ requestId: request.id, status: status as 14, metadata: meta.map(([link, action]) => ({ link, action })), extensions: new Map() }],
    blocks: blocks.map(([cid, data]) => ({ prefix: blockPrefix(cid), data }))
  })
}

async function write (stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
}

/** Runs one request against a raw responder with `behaviour`; asserts the typed error and cleanliness. */
async function misbehave (t: TestContext, root: CID, behaviour: Behaviour, options: GraphsyncRequestOptions, expected: Record<string, unknown>): Promise<void> {
  const unhandled = trackUnhandledRejections()
  const requester = await createGraphsyncNode()
  const bad = await createTestNode({ transport: 'tcp' })
  const tasks: Array<Promise<void>> = []
  let cancelled = false
  await bad.handle(GRAPHSYNC_PROTOCOL_V2, (stream, connection) => {
    tasks.push((async () => {
      try {
        for await (const bytes of new FrameReader(stream, { maxFrameBytes: 1 << 22, maxQueuedBytes: 1 << 22, readBufferBytes: 1 << 24 })) {
          for (const request of decodeGraphsyncMessage(bytes).requests ?? []) {
            if (request.type === 'cancel') cancelled = true
            if (request.type === 'new') {
              const open = async (): Promise<Stream> => bad.dialProtocol(connection.remotePeer, GRAPHSYNC_PROTOCOL_V2)
              tasks.push(behaviour(request, open, () => cancelled).catch(() => {}))
            }
          }
        }
        await stream.close()
      } catch {
        stream.abort(new Error('bad responder gave up'))
      }
    })())
  })
  t.after(async () => {
    await Promise.all(tasks)
    await assertNoLeakedStreams(requester, bad)
    unhandled.check()
    unhandled.stop()
    await requester.stop()
    await bad.stop()
  })
  await requester.dial(bad.getMultiaddrs()[0])
  const run = requester.services.graphsync.request(bad.peerId, root, exploreAll(), { timeoutMs: 10_000, ...options })
  await assert.rejects(collect(run), expected)
  await assert.rejects(run.result, expected)
  assert.equal(requester.services.graphsync.requestsInFlight, 0)
}

describe('graphsync requester against a misbehaving responder', () => {
  const store = new TestStore()
  const { root, pieces } = buildIndexDag(store, 2, 1024, 5)
  const bytesOf = (cid: CID): Uint8Array => store.blocks.get(cid.toString()) as Uint8Array
  /** Sends `frames` on one stream back to the requester, then closes it. */
  const sendAll = (make: (request: GraphsyncRequest) => Uint8Array[]): Behaviour => async (request, open) => {
    const stream = await open()
    for (const bytes of make(request)) await write(stream, bytes)
    await stream.close()
  }

  it('a corrupt block ends with BlockHashMismatchError', async (t) => {
    const corrupt = Uint8Array.from(bytesOf(root))
    corrupt[corrupt.length - 1] ^= 1
    await misbehave(t, root, sendAll((request) => [response(request, 14, [[root, 'present']], [[root, corrupt]])]), {},
      { name: 'BlockHashMismatchError', cid: root.toString() })
  })

  it('a valid block the walk does not need next ends with UnexpectedBlockError (out_of_order)', async (t) => {
    const stray = putRaw(new TestStore(), pseudoRandomBytes(500, 77))
    await misbehave(t, root, sendAll((request) => [
      response(request, 14, [[root, 'present']], [[root, bytesOf(root)]]),
      response(request, 20, [[stray, 'present']], [[stray, pseudoRandomBytes(500, 77)]])
    ]), {}, { name: 'UnexpectedBlockError', reason: 'out_of_order', cid: stray.toString(), expected: pieces[0].toString() })
  })

  it('a block no metadata declares ends with UnexpectedBlockError (undeclared)', async (t) => {
    await misbehave(t, root, sendAll((request) => [
      response(request, 14, [[root, 'present']], [[root, bytesOf(root)], [pieces[1], bytesOf(pieces[1])]])
    ]), {}, { name: 'UnexpectedBlockError', reason: 'undeclared' })
  })

  it('a block larger than the limit ends with BlockTooLargeError', async (t) => {
    const big = putRaw(store, pseudoRandomBytes(128 * 1024, 8))
    await misbehave(t, big, sendAll((request) => [response(request, 20, [[big, 'present']], [[big, bytesOf(big)]])]),
      { maxBlockBytes: 64 * 1024 }, { name: 'BlockTooLargeError', sizeBytes: 128 * 1024 })
  })

  it('endless interim responses end with GraphsyncLimitError (empty_responses)', async (t) => {
    await misbehave(t, root, async (request, open, cancelled) => {
      const stream = await open()
      try {
        // bounded: the requester gives up after 10, this responder after 500 or on the cancel
        for (let i = 0; i < 500 && !cancelled(); i++) {
          await write(stream, response(request, GraphsyncStatus.PartialResponse, []))
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        await stream.close()
      } catch {
        stream.abort(new Error('done'))
      }
    }, { maxEmptyResponses: 10 }, { name: 'GraphsyncLimitError', limit: 'empty_responses' })
  })

  it('silence ends with GraphsyncTimeoutError (idle)', async (t) => {
    await misbehave(t, root, async () => {}, { idleTimeoutMs: 300 }, { name: 'GraphsyncTimeoutError', timeout: 'idle' })
  })

  it('a stream reset in the middle of a message ends with GraphsyncStreamError (reset)', async (t) => {
    await misbehave(t, root, async (request, open) => {
      const stream = await open()
      const bytes = response(request, 20, [[root, 'present']], [[root, bytesOf(root)]])
      await write(stream, bytes.subarray(0, bytes.length >> 1))
      await new Promise((resolve) => setTimeout(resolve, 50))
      stream.abort(new Error('reset mid-message'))
    }, {}, { name: 'GraphsyncStreamError', reason: 'reset' })
  })

  it('a clean close in the middle of a message ends with GraphsyncStreamError (truncated)', async (t) => {
    await misbehave(t, root, async (request, open) => {
      const stream = await open()
      const bytes = response(request, 20, [[root, 'present']], [[root, bytesOf(root)]])
      await write(stream, bytes.subarray(0, bytes.length >> 1))
      await stream.close()
    }, {}, { name: 'GraphsyncStreamError', reason: 'truncated' })
  })

  it('a 5 MiB frame ends with GraphsyncMessageTooLargeError before it is buffered', async (t) => {
    const size = 5 * 1024 * 1024
    await misbehave(t, root, async (request, open) => {
      const stream = await open()
      const header = new Uint8Array(varint.encodingLength(size))
      varint.encodeTo(size, header, 0)
      try {
        await write(stream, header)
        for (let sent = 0; sent < size; sent += 64 * 1024) await write(stream, new Uint8Array(64 * 1024))
        await stream.close()
      } catch {
        stream.abort(new Error('requester hung up'))
      }
    }, {}, { name: 'GraphsyncMessageTooLargeError', sizeBytes: size })
  })

  it('garbage instead of DAG-CBOR ends with MalformedMessageError', async (t) => {
    await misbehave(t, root, sendAll(() => [Uint8Array.from([4, 0xff, 0xff, 0xff, 0xff])]), {}, { name: 'MalformedMessageError' })
  })
})
