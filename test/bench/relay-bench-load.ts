/**
 * The load parts of the relay bench, both against our relay in its child process: (d) the relay's
 * RSS per held circuit reservation (many bare client nodes in this process, each holding one), and
 * (e) many concurrent small relay syncs, spread over several requesters and targets so no per-
 * connection stream cap or per-peer graphsync queue of ours is what is measured.
 */
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { round } from './bench-results.js'
import { buildAttachment } from './graphsync-bench-node.js'
import { BENCH_PAYER, createRequester, createReservingClient } from './relay-bench-nodes.js'
import type { RelayChild } from './relay-bench-nodes.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'

const MIB = 1024 ** 2
/** Client nodes started at once in (d): enough to be quick, few enough not to time out handshakes. */
const RESERVE_BATCH = 50
/** Syncs per requester connection in (e): under the relay's 32 inbound relay-sync streams per connection. */
const SYNCS_PER_REQUESTER = 25
/** The small DAG of (e): 8 raw 16 KiB pieces under one index. */
const SMALL_PIECES = 8
const SMALL_PIECE_BYTES = 16 * 1024

/** (d): starts `count` reserving clients, reads the relay's RSS and heap per held reservation, stops them. */
export async function heldReservations (relay: RelayChild, relayAddr: string, count: number): Promise<object> {
  const before = await relay.stats(true)
  const started = performance.now()
  const clients: Libp2p[] = []
  const errors = new Map<string, number>()
  for (let i = 0; i < count; i += RESERVE_BATCH) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(RESERVE_BATCH, count - i) }, async () => createReservingClient(relayAddr)))
    for (const settled of batch) {
      if (settled.status === 'fulfilled') clients.push(settled.value)
      else countError(errors, settled.reason)
    }
  }
  const setupSeconds = (performance.now() - started) / 1000
  let after = await relay.stats(true)
  for (let i = 0; i < 100 && after.reservations < clients.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await relay.stats(true)
  }
  const held = after.reservations
  for (let i = 0; i < clients.length; i += RESERVE_BATCH) {
    await Promise.allSettled(clients.slice(i, i + RESERVE_BATCH).map(async (client) => client.stop()))
  }
  const perKiB = (bytes: number): number => round(bytes / Math.max(held, 1) / 1024, 1)
  return {
    clients: count,
    held,
    failed: count - clients.length,
    errors: Object.fromEntries(errors),
    setupSeconds: round(setupSeconds, 1),
    relayRssBeforeMiB: round(before.rss / MIB, 1),
    relayRssHeldMiB: round(after.rss / MIB, 1),
    rssPerReservationKiB: perKiB(after.rss - before.rss),
    heapPerReservationKiB: perKiB(after.heapUsed - before.heapUsed),
    // a reservation here includes its TCP + noise + yamux connection: the cost of holding one
    extrapolatedRssFor10kMiB: round((after.rss - before.rss) / Math.max(held, 1) * 10_000 / MIB, 1)
  }
}

/** (e): `count` concurrent syncs of a small DAG through the relay; counts completions and errors. */
export async function concurrentSyncs (relay: RelayChild, relayAddr: Multiaddr, count: number, perTarget: number): Promise<object> {
  const { store, root } = buildAttachment(SMALL_PIECES, SMALL_PIECE_BYTES)
  const blocks = SMALL_PIECES + 1
  const bytes = [...store.blocks.values()].reduce((n, b) => n + b.byteLength, 0)
  const targets = await Promise.all(Array.from({ length: Math.ceil(count / perTarget) }, async () => {
    const target = await startTargetPeer({ blockStore: store })
    await target.node.dial(relayAddr)
    return target
  }))
  const requesters = await Promise.all(Array.from({ length: Math.ceil(count / SYNCS_PER_REQUESTER) }, async () => {
    const node = await createRequester()
    const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey: BENCH_PAYER.privateKey })
    return { node, client, policy: await client.fetchPolicy(relayAddr) }
  }))
  const errors = new Map<string, number>()
  try {
    const before = await relay.stats(true)
    const started = performance.now()
    const settled = await Promise.allSettled(Array.from({ length: count }, async (_, i) => {
      const { client, policy } = requesters[i % requesters.length]
      const run = client.sync({ relay: relayAddr, peer: targets[i % targets.length].peerId, root, maxBlocks: blocks, maxBytes: bytes, maxCharge: 0n, policyCid: policy.cid })
      let got = 0
      for await (const block of run) { void block; got++ }
      const result = await run.result
      if (result.status !== 'completed' || got !== blocks) throw new Error(`sync ended ${result.status} after ${got} of ${blocks} blocks`)
    }))
    const seconds = (performance.now() - started) / 1000
    const after = await relay.stats()
    for (const s of settled) if (s.status === 'rejected') countError(errors, s.reason)
    return {
      syncs: count,
      requesters: requesters.length,
      targets: targets.length,
      dagBytes: bytes,
      completed: settled.filter((s) => s.status === 'fulfilled').length,
      failed: settled.filter((s) => s.status === 'rejected').length,
      errors: Object.fromEntries(errors),
      seconds: round(seconds, 2),
      relayCpuSeconds: round((after.cpuMicros - before.cpuMicros) / 1e6, 2),
      relayRssMiB: round(after.rss / MIB, 1),
      relayPeakRssMiB: round(after.peakRss / MIB, 1)
    }
  } finally {
    await Promise.allSettled([...requesters.map(async (r) => r.node.stop()), ...targets.map(async (t) => t.stop())])
  }
}

/** Tallies an error by name and the start of its message. */
function countError (errors: Map<string, number>, reason: unknown): void {
  const key = reason instanceof Error ? `${reason.name}: ${reason.message.slice(0, 80)}` : String(reason)
  errors.set(key, (errors.get(key) ?? 0) + 1)
}
