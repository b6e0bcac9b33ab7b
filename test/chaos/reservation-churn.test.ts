/**
 * Proves circuit relay reservations survive churn: N peers reserve on a relay process capped at
 * exactly N, then M disconnect/reconnect cycles by random peers (half come back with their own key,
 * half are replaced by a new peer) are never refused below the cap, the relay's reservation count
 * equals the live reserved peers within 60 s (also after half of them leave), and the relay's RSS
 * per held reservation stays bounded (≤ 64 KiB in soak) with no growth left behind by the churn.
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { ChaosRelay } from './chaos-relay.js'
import { SOAK, chaosSeed, prng, procCpuSeconds, progress, round, scaled, until } from './scale.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

const PEERS = scaled(200, 5_000)
const CYCLES = scaled(400, 10_000)
/** Cycles in flight at once. */
const CONCURRENCY = 24
/** Peers started at once while filling the relay. */
const BATCH = 25
/** RSS per held reservation: the 64 KiB in soak; CI's few hundred peers make the figure noisy. */
const MAX_RSS_PER_RESERVATION_KIB = scaled(256, 64)
const CONVERGE_MS = 60_000
const KIB = 1024
const MIB = 1024 * 1024

/** Attempts per reservation: a handshake timing out on a loaded machine is retried, a refusal is not. */
const ATTEMPTS = 3

/** The relay answered the RESERVE with a refusal status (the transport's message for a non-OK status). */
function isRefusal (err: unknown): boolean {
  return err instanceof Error && /reservation failed with status/.test(err.message)
}

/** Failures by kind: refusals from the relay, and other errors (timeouts under load) that were retried. */
interface Failures { refusals: string[], transient: number, gaveUp: string[] }

/** A peer that only holds a reservation on `relayAddr` (its one listen address); start fails if refused. */
async function reservingPeer (relayAddr: string, privateKey: PrivateKey): Promise<Libp2p> {
  return createLibp2p({
    privateKey,
    addresses: { listen: [`${relayAddr}/p2p-circuit`] },
    transports: [tcp(), circuitRelayTransport({ reservationCompletionTimeout: 30_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** Reserves with `privateKey`, retrying transient failures; undefined when refused or out of attempts. */
async function reserve (relayAddr: string, privateKey: PrivateKey, failures: Failures, live: Set<Libp2p>): Promise<Libp2p | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const peer = await reservingPeer(relayAddr, privateKey)
      live.add(peer)
      return peer
    } catch (err: unknown) {
      const text = `${(err as Error).name}: ${(err as Error).message.slice(0, 200)}`
      if (isRefusal(err)) {
        failures.refusals.push(text)
        return undefined
      }
      failures.transient++
      if (attempt === ATTEMPTS) {
        failures.gaveUp.push(text)
        return undefined
      }
    }
  }
}

describe('reservation churn', () => {
  const seed = chaosSeed()
  const random = prng(seed)
  const relay = new ChaosRelay({
    circuit: { maxReservations: PEERS, maxReservationsPerIp: PEERS, reservationTtlMs: 60 * 60_000 },
    // every peer dials from 127.0.0.1: lift libp2p's 5 connections/s per IP (floods.test.ts keeps it)
    node: { inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 1_000 },
    maxConnections: PEERS + 256
  })
  const peers: Array<Libp2p | undefined> = []
  /** Every started peer not yet stopped, so cleanup finds them even after a timeout. */
  const live = new Set<Libp2p>()
  const run = { stopped: false }
  let addr: string
  const stopPeer = async (peer: Libp2p | undefined): Promise<void> => {
    if (peer === undefined) return
    live.delete(peer)
    await peer.stop()
  }

  before(async () => { addr = (await relay.ready).addr })
  after(async () => {
    run.stopped = true
    await Promise.allSettled([...live].map(async (p) => stopPeer(p)))
    await relay.stop()
  })

  it(`${PEERS} peers, ${CYCLES} cycles: no refusal below the cap, counts converge, bounded RSS`, { timeout: scaled(115_000, 3_600_000) }, async (t) => {
    const base = await relay.rss()
    const baseHeap = await relay.stats(true)
    const t0 = Date.now()
    const keys = await Promise.all(Array.from({ length: PEERS }, async () => generateKeyPair('Ed25519')))
    const fill: Failures = { refusals: [], transient: 0, gaveUp: [] }
    for (let i = 0; i < PEERS && !run.stopped; i += BATCH) {
      const batch = await Promise.all(keys.slice(i, i + BATCH).map(async (key) => reserve(addr, key, fill, live)))
      batch.forEach((peer, j) => { peers[i + j] = peer })
      if ((i / BATCH) % 20 === 0) progress(`churn: ${i + BATCH} of ${PEERS} reserved`)
    }
    const fillSeconds = (Date.now() - t0) / 1000
    assert.deepEqual(fill.refusals.slice(0, 3), [], `${fill.refusals.length} of ${PEERS} peers refused below the cap`)
    assert.deepEqual(fill.gaveUp.slice(0, 3), [], `${fill.gaveUp.length} peers failed ${ATTEMPTS} times`)
    assert.ok(await until(async () => (await relay.stats()).reservations === PEERS, CONVERGE_MS) >= 0, 'every reservation shows')
    const held = await relay.rss()
    const heldHeap = await relay.stats(true)
    const cpuBefore = await procCpuSeconds(relay.pid)

    // churn: a random idle peer disconnects and comes back (own key) or is replaced (new key)
    const busy = new Set<number>()
    const churn: Failures = { refusals: [], transient: 0, gaveUp: [] }
    let next = 0
    const t1 = Date.now()
    const worker = async (): Promise<void> => {
      while (next < CYCLES && !run.stopped) {
        next++
        if (next % 500 === 0) progress(`churn: cycle ${next} of ${CYCLES}`)
        let i = Math.floor(random() * PEERS)
        while (busy.has(i)) i = (i + 1) % PEERS
        busy.add(i)
        try {
          await stopPeer(peers[i])
          peers[i] = undefined
          if (random() >= 0.5) keys[i] = await generateKeyPair('Ed25519')
          peers[i] = await reserve(addr, keys[i], churn, live)
        } finally {
          busy.delete(i)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const churnSeconds = (Date.now() - t1) / 1000
    const livePeers = peers.filter((p) => p !== undefined).length
    const convergeMs = await until(async () => (await relay.stats()).reservations === livePeers, CONVERGE_MS)
    const afterChurn = await relay.stats()
    const churnCpuSeconds = await procCpuSeconds(relay.pid) - cpuBefore
    const churned = await relay.rss()
    const churnedHeap = await relay.stats(true)
    const gauge = (await relay.scrape()).get('taurelay_reservations')

    // half of the peers leave: their slots are released at once, not after the TTL
    const leaving = peers.splice(0, Math.floor(PEERS / 2))
    await Promise.allSettled(leaving.map(async (p) => stopPeer(p)))
    const remaining = peers.filter((p) => p !== undefined).length
    const releaseMs = await until(async () => (await relay.stats()).reservations === remaining, CONVERGE_MS)
    const released = await relay.stats()

    const perReservationKiB = (held.rss - base.rss) / PEERS / KIB
    const figures = {
      scenario: 'reservation_churn',
      soak: SOAK,
      seed,
      peers: PEERS,
      cycles: CYCLES,
      fillSeconds: round(fillSeconds),
      churnSeconds: round(churnSeconds),
      cyclesPerSecond: round(CYCLES / churnSeconds),
      refusalsBelowCap: fill.refusals.length + churn.refusals.length,
      transientFailuresRetried: fill.transient + churn.transient,
      gaveUpAfterRetries: fill.gaveUp.length + churn.gaveUp.length,
      livePeers,
      relayReservations: afterChurn.reservations,
      reservationsGauge: gauge,
      convergeMs,
      releaseHalfMs: releaseMs,
      reservationsAfterHalfLeft: released.reservations,
      relayRssBaseMiB: round(base.rss / MIB),
      relayRssHeldMiB: round(held.rss / MIB),
      relayRssAfterChurnMiB: round(churned.rss / MIB),
      relayPeakRssMiB: round(churned.peak / MIB),
      rssPerReservationKiB: round(perReservationKiB),
      rssGrowthFromChurnMiB: round((churned.rss - held.rss) / MIB),
      heapPerReservationKiB: round((heldHeap.heapUsed + heldHeap.external - baseHeap.heapUsed - baseHeap.external) / PEERS / KIB),
      heapGrowthFromChurnMiB: round((churnedHeap.heapUsed + churnedHeap.external - heldHeap.heapUsed - heldHeap.external) / MIB),
      relayCpuMsPerCycle: round(churnCpuSeconds * 1000 / CYCLES)
    }
    t.diagnostic(JSON.stringify(figures))
    assert.deepEqual(churn.refusals.slice(0, 3), [], `${churn.refusals.length} reconnects refused below the cap`)
    assert.deepEqual(churn.gaveUp.slice(0, 3), [], `${churn.gaveUp.length} reconnects failed ${ATTEMPTS} times`)
    assert.ok(convergeMs >= 0, `after churn the relay holds ${afterChurn.reservations} reservations for ${livePeers} live peers`)
    assert.equal(gauge, livePeers, 'taurelay_reservations')
    assert.ok(releaseMs >= 0, `after half left the relay holds ${released.reservations} reservations for ${remaining} peers`)
    assert.ok(perReservationKiB <= MAX_RSS_PER_RESERVATION_KIB, `${round(perReservationKiB)} KiB of relay RSS per reservation`)
    // churn replaced every peer about twice over: a leak per cycle would show as growth beyond the held set's own size
    assert.ok(churned.rss - held.rss <= Math.max(held.rss - base.rss, 32 * MIB), `RSS grew ${round((churned.rss - held.rss) / MIB)} MiB during churn`)
  })
})
