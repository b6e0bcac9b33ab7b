// Proves the libp2p 3 stack works on this runtime (Node 20 + the runtime shim): two real nodes
// dial each other over loopback TCP and over WebSockets, complete noise + yamux, and ping.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestNode } from '../helpers/libp2p.js'
import type { TestNode } from '../helpers/libp2p.js'

for (const transport of ['tcp', 'ws'] as const) {
  describe(`libp2p over ${transport}`, () => {
    it('dials, encrypts with noise, muxes with yamux and pings', async (t) => {
      const a: TestNode = await createTestNode({ transport })
      t.after(async () => { await a.stop() })
      const b: TestNode = await createTestNode({ transport })
      t.after(async () => { await b.stop() })

      const addr = b.getMultiaddrs()[0]
      assert.ok(addr !== undefined, 'listener has an address')
      const rttMs = await a.services.ping.ping(addr, { signal: AbortSignal.timeout(10_000) })
      assert.ok(rttMs >= 0 && rttMs < 10_000, `rtt ${rttMs}`)

      const [conn] = a.getConnections(b.peerId)
      assert.ok(conn !== undefined, 'connection is kept')
      assert.equal(conn.encryption, '/noise')
      assert.equal(conn.multiplexer, '/yamux/1.0.0')
      assert.equal(conn.remotePeer.equals(b.peerId), true)
    })
  })
}
