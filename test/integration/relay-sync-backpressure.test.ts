// Proves backpressure end to end: while a requester stops reading, the relay stops forwarding
// after a bounded number of bytes (the muxer window and the client's read queue) and the target
// stops sending, instead of the relay buffering the whole DAG; once the requester reads again,
// the sync completes.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag } from '../helpers/graphsync.js'
import { startRelayHarness } from '../helpers/relay-sync.js'

const PIECE = 256 * 1024
const PIECES = 240
const MIB = 2 ** 20

describe('relay sync backpressure', () => {
  it('a stalled requester stalls the sync at a bounded number of forwarded bytes', async (t) => {
    const h = await startRelayHarness({ freeQuotaBytes: 2 ** 30 })
    const store = new TestStore()
    const { root } = buildIndexDag(store, PIECES, PIECE, 21)
    const target = await startTargetPeer({ blockStore: store })
    t.after(async () => {
      await target.stop()
      await h.stop()
    })
    await target.node.dial(h.relay.getMultiaddrs()[0])
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root,
      maxBlocks: 1000,
      maxBytes: 1 << 30,
      maxCharge: 0n,
      policyCid: h.policy.cid
    })
    let received = 0
    let relayedWhileStalled = 0
    for await (const block of run) {
      void block
      if (++received === 1) {
        await new Promise((resolve) => setTimeout(resolve, 1500))
        relayedWhileStalled = h.tracer.relayedBytes
      }
    }
    const result = await run.result
    assert.equal(result.status, 'completed')
    assert.equal(result.blocks, PIECES + 1)
    const total = PIECES * PIECE
    // yamux's 16 MiB stream window, the client's 4 MiB read queue (it pauses past it) and the
    // relay's one queued frame (2 MiB), each possibly overshot by one 256 KiB frame
    assert.ok(relayedWhileStalled <= 23 * MIB, `forwarded ${(relayedWhileStalled / MIB).toFixed(1)} MiB while stalled`)
    assert.ok(relayedWhileStalled < total / 2, 'well short of the whole DAG')
  })
})
