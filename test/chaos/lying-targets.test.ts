/**
 * Proves a relay sync survives targets that lie — a corrupt block, a substituted valid block, a
 * block the selector never reaches, a disconnect at a random block, a 1 byte/s drip — each ending
 * with its status (target_misbehaved ×3, target_failed ×2, the drip after the sync time limit),
 * charging no more than the verified bytes the requester received, and freeing its slot so the
 * next sync to an honest target completes byte-exact.
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { equals } from 'multiformats/bytes'
import { chargeBlocks } from '../../accounting/charge.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { EXPLORE_ALL_SELECTOR } from '../../relay/client/relay-sync-client.js'
import { TestStore, buildIndexDag, expectedOrder, pseudoRandomBytes } from '../helpers/graphsync.js'
import { PAYER, drain, startRelayHarness } from '../helpers/relay-sync.js'
import { startThrottleProxy } from '../helpers/throttle-proxy.js'
import { SOAK, chaosSeed, prng, round, scaled, until } from './scale.js'
import { TamperingStore } from './tampering-store.js'
import type { Tamper } from './tampering-store.js'
import type { RelayHarness } from '../helpers/relay-sync.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { CheckedSyncResult } from '../../relay/client/result-check.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

const PRICING = { perBlockNanoTau: 1_000n, perMiBNanoTau: 1_000_000n }
/** The relay's whole-sync time limit here (the default is 10 min): the drip must hit it. */
const SYNC_TIMEOUT_MS = 4_000
/** Rounds of the five liars (each round draws new random blocks). */
const ROUNDS = scaled(1, 10)
const PIECES = 12
const PIECE_BYTES = 256 * 1024

type Liar = 'corrupt' | 'substituted' | 'unreached' | 'disconnect' | 'drip'
const EXPECTED: Record<Liar, string> = {
  corrupt: 'target_misbehaved',
  substituted: 'target_misbehaved',
  unreached: 'target_misbehaved',
  disconnect: 'target_failed',
  drip: 'target_failed'
}

describe('lying targets', () => {
  const seed = chaosSeed()
  const random = prng(seed)
  const store = new TestStore()
  const { root } = buildIndexDag(store, PIECES, PIECE_BYTES, 21)
  const foreign = pseudoRandomBytes(PIECE_BYTES, 4242)
  let order: Array<{ cid: CID, bytes: Uint8Array }>
  let h: RelayHarness
  let honest: TargetPeer
  const figures: Record<string, Array<{ status: string, ms: number, lieAtBlock: number, forwarded: number, chargedBytes: number, receivedBytes: number }>> = {}

  before(async () => {
    order = (await expectedOrder(store, root, EXPLORE_ALL_SELECTOR)).map((cid) => ({ cid, bytes: store.blocks.get(cid.toString()) as Uint8Array }))
    h = await startRelayHarness({ relaySyncInit: { syncTimeoutMs: SYNC_TIMEOUT_MS } })
    honest = await startTargetPeer({ blockStore: store })
    await honest.node.dial(h.relay.getMultiaddrs()[0])
  })
  after(async () => {
    await honest.stop()
    await h.stop()
  })

  /** A sync of the whole DAG from `peer`: blocks received, result, and milliseconds taken. */
  async function syncFrom (target: TargetPeer): Promise<{ blocks: Array<{ cid: CID, bytes: Uint8Array }>, result: CheckedSyncResult, ms: number }> {
    const t0 = performance.now()
    const { blocks, result } = await drain(h.client.sync({
      relay: h.relay.getMultiaddrs()[0], peer: target.peerId, root, maxBlocks: 1000, maxBytes: 1 << 26, maxCharge: 1_000_000_000n, policyCid: h.policy.cid
    }))
    return { blocks, result, ms: performance.now() - t0 }
  }

  /** Dials, retrying: the harness relay keeps libp2p's 5 new connections/s per IP, and every liar is a new one. */
  async function dialRelay (node: TargetPeer['node'], addr: Multiaddr): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await node.dial(addr)
        return
      } catch (err: unknown) {
        if (attempt === 5) throw err
        await new Promise((resolve) => setTimeout(resolve, 1_000))
      }
    }
  }

  /** Starts a lying target whose `k`-th read (walk order) misbehaves as `liar`, connected to the relay; `onCleanup` gets its stop at once. */
  async function startLiar (liar: Liar, k: number, onCleanup: (fn: () => Promise<void>) => void): Promise<TargetPeer> {
    const liarPeer: { target?: TargetPeer } = {}
    const tamper: Tamper = (_cid, bytes, index) => {
      if (index !== k) return bytes
      if (liar === 'corrupt') {
        const bad = Uint8Array.from(bytes)
        bad[Math.floor(random() * bad.length)] ^= 1
        return bad
      }
      if (liar === 'substituted') return order[k + 1].bytes
      if (liar === 'unreached') return foreign
      // a phone dropping off the network: every connection dies without a goodbye
      if (liar === 'disconnect') for (const c of liarPeer.target?.node.getConnections() ?? []) c.abort(new Error('target gone'))
      return bytes
    }
    const target = await startTargetPeer({ blockStore: new TamperingStore(store, tamper) })
    liarPeer.target = target
    onCleanup(async () => { await target.stop() })
    const relayAddr = h.relay.getMultiaddrs()[0]
    if (liar !== 'drip') {
      await dialRelay(target.node, relayAddr)
      return target
    }
    // the drip: connected through a proxy at full speed, then its uplink drops to 1 byte/s
    const port = Number(relayAddr.getComponents().find((c) => c.name === 'tcp')?.value)
    const proxy = await startThrottleProxy({ target: { host: '127.0.0.1', port }, bytesPerSecond: 1 << 30, delayMs: 0 })
    onCleanup(async () => { await proxy.close() })
    await dialRelay(target.node, multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${h.relay.peerId.toString()}`))
    // the relay's side of the handshake must finish (and identify settle) before the uplink slows
    assert.ok(await until(() => h.relay.getConnections(target.peerId).length > 0, 5_000, 20) >= 0, 'the relay sees the drip target')
    await new Promise((resolve) => setTimeout(resolve, 300))
    proxy.setRate('up', 1)
    return target
  }

  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    for (const liar of Object.keys(EXPECTED) as Liar[]) {
      it(`round ${round_}: ${liar} ends ${EXPECTED[liar]}, charges only verified bytes, frees its slot`, async (t) => {
        // a piece, never the root (the responder must decode the root to walk on), with a next piece after it
        const k = 1 + Math.floor(random() * (order.length - 2))
        const target = await startLiar(liar, k, (fn) => { t.after(fn) })
        const before = await h.accounts.ledger.account(PAYER.address)
        const { blocks, result, ms } = await syncFrom(target)
        assert.equal(result.status, EXPECTED[liar], `seed ${seed}, block ${k}`)
        const limitMs = liar === 'drip' ? SYNC_TIMEOUT_MS + 5_000 : SYNC_TIMEOUT_MS
        assert.ok(ms <= limitMs, `ended after ${round(ms)} ms`)
        if (liar === 'drip') assert.ok(ms >= SYNC_TIMEOUT_MS * 0.9, `the drip ended after ${round(ms)} ms, before the time limit`)
        // what arrived is the true DAG's prefix, and nothing past the lie
        assert.ok(blocks.length <= k, `${blocks.length} blocks forwarded, the lie was block ${k}`)
        blocks.forEach((b, i) => { assert.ok(b.cid.equals(order[i].cid) && equals(b.bytes, order[i].bytes), `block ${i}`) })
        const receivedBytes = blocks.reduce((n, b) => n + b.bytes.byteLength, 0)
        const charge = chargeBlocks(blocks.map((b) => b.bytes.byteLength), PRICING, 0).chargeNanoTau
        assert.equal(result.charge, charge)
        if (blocks.length > 0) {
          assert.equal(result.receipt?.record.bytes, receivedBytes, 'charged bytes = verified bytes received')
          assert.equal(result.receipt?.record.blocks, blocks.length)
          assert.equal(result.receipt?.record.status, EXPECTED[liar])
        } else {
          assert.equal(result.receipt, undefined)
        }
        const afterAccount = await h.accounts.ledger.account(PAYER.address)
        assert.equal(afterAccount?.balanceNanoTau, (before?.balanceNanoTau ?? 0n) - charge)
        assert.equal(afterAccount?.heldNanoTau, 0n)
        const freedMs = await until(() => h.relay.services.relaySync.activeSyncs === 0, 5_000, 20)
        assert.ok(freedMs >= 0, 'the slot is freed')
        const next = await syncFrom(honest)
        assert.equal(next.result.status, 'completed')
        assert.equal(next.blocks.length, order.length)
        next.blocks.forEach((b, i) => { assert.ok(equals(b.bytes, order[i].bytes), `honest block ${i}`) })
        ;(figures[liar] ??= []).push({ status: result.status, ms: round(ms), lieAtBlock: k, forwarded: blocks.length, chargedBytes: result.receipt?.record.bytes ?? 0, receivedBytes })
      })
    }
  }

  it('reports', (t) => {
    const summary = Object.fromEntries(Object.entries(figures).map(([liar, runs]) => [liar, {
      runs: runs.length,
      statuses: [...new Set(runs.map((r) => r.status))],
      maxMs: Math.max(...runs.map((r) => r.ms)),
      forwardedBlocks: runs.reduce((n, r) => n + r.forwarded, 0),
      chargedBytes: runs.reduce((n, r) => n + r.chargedBytes, 0),
      receivedBytes: runs.reduce((n, r) => n + r.receivedBytes, 0)
    }]))
    t.diagnostic(JSON.stringify({ scenario: 'lying_targets', soak: SOAK, seed, syncTimeoutMs: SYNC_TIMEOUT_MS, rounds: ROUNDS, liars: summary }))
  })
})
