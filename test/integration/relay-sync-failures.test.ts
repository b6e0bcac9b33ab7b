// Proves how a relay sync ends when the target fails it: a target that serves a corrupt block ends
// the sync `target_misbehaved` with the bad block neither forwarded nor charged (the good ones
// before it are); a target that disconnects mid-sync ends it `target_failed`, charged and logged
// for what arrived; a target without the root ends it `not_found` with the hold released and
// nothing logged.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { varint } from 'multiformats'
import { chargeBlocks } from '../../accounting/charge.js'
import { blockPrefix } from '../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { GRAPHSYNC_PROTOCOL_V2 } from '../../protocol/graphsync/constants.js'
import { FrameReader } from '../../relay/graphsync/frame-reader.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag, putRaw, pseudoRandomBytes } from '../helpers/graphsync.js'
import { createTestNode } from '../helpers/libp2p.js'
import { PAYER, drain, startRelayHarness } from '../helpers/relay-sync.js'
import type { GraphsyncMessage } from '../../protocol/graphsync/message.js'
import type { RelaySyncOptions } from '../../relay/client/relay-sync-client.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const PRICING = { perBlockNanoTau: 1_000n, perMiBNanoTau: 1_000_000n }

function frame (message: GraphsyncMessage): Uint8Array {
  const body = encodeGraphsyncMessage(message)
  const out = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encodeTo(body.byteLength, out, 0)
  out.set(body, out.byteLength - body.byteLength)
  return out
}

function response (id: Uint8Array, status: number, blocks: Array<[CID, Uint8Array]>, declared: CID[] = blocks.map(([cid]) => cid)): Uint8Array {
  return frame({
    responses: [{ requestId: id, status: status as 14, metadata: declared.map((link) => ({ link, action: 'present' as const })), extensions: new Map() }],
    blocks: blocks.map(([cid, data]) => ({ prefix: blockPrefix(cid), data }))
  })
}

async function write (stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
}

function syncOptions (relay: RelaySyncOptions['relay'], peer: RelaySyncOptions['peer'], root: CID, policyCid: CID): RelaySyncOptions {
  return { relay, peer, root, maxBlocks: 1000, maxBytes: 1 << 26, maxCharge: 1_000_000_000n, policyCid }
}

describe('relay sync against failing targets', () => {
  it('ends `target_misbehaved` on a corrupt block, which is neither forwarded nor charged', async (t) => {
    const h = await startRelayHarness()
    const store = new TestStore()
    const { root, pieces } = buildIndexDag(store, 3, 4096, 11)
    const bytesOf = (cid: CID): Uint8Array => store.blocks.get(cid.toString()) as Uint8Array
    const liar = await createTestNode({ transport: 'tcp' })
    const tasks: Array<Promise<void>> = []
    await liar.handle(GRAPHSYNC_PROTOCOL_V2, (stream, connection) => {
      tasks.push((async () => {
        try {
          for await (const bytes of new FrameReader(stream, { maxFrameBytes: 1 << 22, maxQueuedBytes: 1 << 22, readBufferBytes: 1 << 24 })) {
            for (const request of decodeGraphsyncMessage(bytes).requests ?? []) {
              if (request.type !== 'new') continue
              const out = await liar.dialProtocol(connection.remotePeer, GRAPHSYNC_PROTOCOL_V2)
              await write(out, response(request.id, 14, [[root, bytesOf(root)], [pieces[0], bytesOf(pieces[0])]]))
              // let the relay forward the good blocks before the bad one arrives
              await new Promise((resolve) => setTimeout(resolve, 300))
              const corrupt = Uint8Array.from(bytesOf(pieces[1]))
              corrupt[0] ^= 1
              await write(out, response(request.id, 20, [[pieces[1], corrupt]], [pieces[1]]))
              await out.close()
            }
          }
          await stream.close()
        } catch {
          stream.abort(new Error('liar gave up'))
        }
      })())
    })
    t.after(async () => {
      await Promise.allSettled(tasks)
      await liar.stop()
      await h.stop()
    })
    await liar.dial(h.relay.getMultiaddrs()[0])
    const before = await h.accounts.ledger.account(PAYER.address)
    const { blocks, result } = await drain(h.client.sync(syncOptions(h.relay.getMultiaddrs()[0], liar.peerId, root, h.policy.cid)))
    assert.equal(result.status, 'target_misbehaved')
    assert.deepEqual(blocks.map((b) => b.cid.toString()), [root.toString(), pieces[0].toString()])
    const expected = chargeBlocks(blocks.map((b) => b.bytes.byteLength), PRICING, 0).chargeNanoTau
    assert.equal(result.charge, expected)
    assert.equal(result.receipt?.record.status, 'target_misbehaved')
    assert.equal(result.receipt?.record.blocks, 2)
    assert.equal((await h.accounts.ledger.account(PAYER.address))?.balanceNanoTau, (before?.balanceNanoTau ?? 0n) - expected)
    assert.equal(h.tracer.ended.at(-1), 'target_misbehaved')
  })

  it('ends `target_failed` when the target disconnects mid-sync, charging what arrived', async (t) => {
    const h = await startRelayHarness()
    const store = new TestStore()
    store.delayMs = 30
    const { root } = buildIndexDag(store, 40, 256 * 1024, 12)
    const target = await startTargetPeer({ blockStore: store })
    t.after(async () => {
      await target.stop()
      await h.stop()
    })
    await target.node.dial(h.relay.getMultiaddrs()[0])
    const run = h.client.sync(syncOptions(h.relay.getMultiaddrs()[0], target.peerId, root, h.policy.cid))
    const blocks: Uint8Array[] = []
    for await (const block of run) {
      blocks.push(block.bytes)
      // a phone dropping off the network: its connections die without a goodbye
      if (blocks.length === 3) for (const connection of target.node.getConnections()) connection.abort(new Error('target gone'))
    }
    const result = await run.result
    assert.equal(result.status, 'target_failed')
    assert.ok(result.blocks >= 3 && result.blocks < 41, `forwarded ${result.blocks}`)
    assert.equal(result.receiptVerified, true)
    assert.equal(result.charge, chargeBlocks(blocks.map((b) => b.byteLength), PRICING, 0).chargeNanoTau)
    assert.equal(result.receipt?.record.status, 'target_failed')
  })

  it('ends `not_found` when the target lacks the root, releasing the hold and logging nothing', async (t) => {
    const h = await startRelayHarness()
    const target = await startTargetPeer({ blockStore: new TestStore() })
    t.after(async () => {
      await target.stop()
      await h.stop()
    })
    await target.node.dial(h.relay.getMultiaddrs()[0])
    const absent = putRaw(new TestStore(), pseudoRandomBytes(100, 3))
    const before = await h.accounts.ledger.account(PAYER.address)
    const { blocks, result } = await drain(h.client.sync(syncOptions(h.relay.getMultiaddrs()[0], target.peerId, absent, h.policy.cid)))
    assert.equal(result.status, 'not_found')
    assert.equal(blocks.length, 0)
    assert.equal(result.receipt, undefined)
    assert.equal(result.charge, 0n)
    assert.equal(await h.accounts.log.head(), undefined, 'nothing logged')
    const after = await h.accounts.ledger.account(PAYER.address)
    assert.equal(after?.balanceNanoTau, before?.balanceNanoTau)
    assert.equal(after?.heldNanoTau, 0n)
  })
})
