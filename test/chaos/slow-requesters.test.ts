/**
 * Proves slow requesters cannot make the relay buffer without bound: R requesters, each behind its
 * own throttled link (3 MB/s, 100 ms one-way delay; test/helpers/throttle-proxy.ts), run 6
 * concurrent syncs each through a relay process; every block arrives byte-exact, the relay's event
 * loop delay p99 (prom-client's nodejs_eventloop_lag_p99_seconds, scraped from its /metrics) stays
 * under 100 ms, and its RSS growth — the proxy of its buffers — stays ≤ 256 MiB and ≤ 16 MiB per peer.
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { equals } from 'multiformats/bytes'
import { EXPLORE_ALL_SELECTOR, RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag, expectedOrder } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { startThrottleProxy } from '../helpers/throttle-proxy.js'
import { ChaosRelay } from './chaos-relay.js'
import { SOAK, procCpuSeconds, procRss, progress, round, scaled, sleep } from './scale.js'
import type { ThrottleProxy } from '../helpers/throttle-proxy.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

const REQUESTERS = scaled(20, 200)
const SYNCS_EACH = 6
/** Syncs one target serves at once: the relay's own ceiling (MAX_SYNCS_PER_TARGET 24) less a margin. */
const SYNCS_PER_TARGET = 20
const LINK = { bytesPerSecond: 3_000_000, delayMs: 100 }
const PIECES = 4
const PIECE_BYTES = 256 * 1024
/** The bounds; CI's loaded 2 cores add scheduling delay the relay does not cause, so its lag bound is looser. */
const MAX_EVENT_LOOP_P99_MS = scaled(1_000, 100)
const MAX_BUFFERED_MIB = 256
const MAX_BUFFERED_PER_PEER_MIB = 16
const MIB = 1024 * 1024
const SAMPLE_MS = 500
/**
 * Sync starts are spread over this long: 1,200 requests at once overflow the ledger's queue
 * (ledger.maxQueuedOperations 1024) and are refused `busy` — a burst, not slow requesters.
 */
const START_SPREAD_MS = scaled(0, 10_000)

/**
 * A requester that only dials. Its connection monitor must not abort on a slow ping: behind a
 * 3 MB/s link the relay keeps the link's (kernel) buffers full, so a ping waits seconds behind the
 * data, and libp2p's default (abort when a ping misses its adaptive timeout) reset every
 * connection ~19 s into the CI run.
 */
async function createRequester (): Promise<Libp2p> {
  return createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: { identify: identify() }
  })
}

/** Failures by kind: the message without its requester, sync, block count and time. */
function tally (failures: readonly string[]): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const f of failures) {
    const kind = f.replace(/^requester \d+ sync \d+: /, '').replace(/ after \d+ blocks, [\d.]+ ms$/, '').slice(0, 120)
    kinds[kind] = (kinds[kind] ?? 0) + 1
  }
  return kinds
}

/** nodejs_eventloop_lag_p99_seconds of a scrape, in ms. */
function lagP99Ms (metrics: Map<string, number>): number {
  return (metrics.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000
}

describe('many slow requesters', () => {
  const relay = new ChaosRelay({
    limits: { maxConcurrentSyncs: REQUESTERS * SYNCS_EACH, maxConcurrentSyncsPerPayer: SYNCS_EACH, maxConcurrentSyncsPerTarget: SYNCS_PER_TARGET },
    node: { inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 1_000 },
    maxConnections: REQUESTERS * 2 + 256
  })
  const store = new TestStore()
  const { root } = buildIndexDag(store, PIECES, PIECE_BYTES, 41)
  let order: Array<{ cid: CID, bytes: Uint8Array }>
  let proxy: ThrottleProxy
  const targets: TargetPeer[] = []
  const requesters: Libp2p[] = []

  before(async () => {
    const { addr } = await relay.ready
    order = (await expectedOrder(store, root, EXPLORE_ALL_SELECTOR)).map((cid) => ({ cid, bytes: store.blocks.get(cid.toString()) as Uint8Array }))
    const port = Number(multiaddr(addr).getComponents().find((c) => c.name === 'tcp')?.value)
    proxy = await startThrottleProxy({ target: { host: '127.0.0.1', port }, ...LINK })
    for (let i = 0; i < Math.ceil(REQUESTERS * SYNCS_EACH / SYNCS_PER_TARGET); i++) {
      const target = await startTargetPeer({ blockStore: store })
      targets.push(target)
      await target.node.dial(multiaddr(addr))
    }
  })
  after(async () => {
    await Promise.allSettled([...requesters, ...targets.map((t) => t.node)].map(async (n) => n.stop()))
    await proxy?.close()
    await relay.stop()
  })

  it(`${REQUESTERS} requesters × ${SYNCS_EACH} syncs behind 3 MB/s, 100 ms links: byte-exact, bounded lag and buffers`, { timeout: scaled(100_000, 1_800_000) }, async (t) => {
    const { peerId } = await relay.ready
    const viaProxy = multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${peerId}`)
    const clients = await Promise.all(Array.from({ length: REQUESTERS }, async (_, i) => {
      const node = await createRequester()
      requesters.push(node)
      const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey: testKey(`slow requester ${i}`).privateKey })
      return { client, policy: await client.fetchPolicy(viaProxy) }
    }))
    progress('slow requesters: connected', clients.length)
    const base = await relay.rss()
    // prom-client resets its lag histogram at every scrape: this one covers an idle second (the
    // machine's own scheduling delay), the next one the whole run
    await relay.scrape()
    await sleep(1_000)
    const idleLagP99Ms = lagP99Ms(await relay.scrape())
    const rssSamples: number[] = []
    const sampling = { running: true }
    const sampler = (async () => {
      while (sampling.running) {
        await sleep(SAMPLE_MS)
        rssSamples.push((await procRss(relay.pid)).rss)
      }
    })()
    const cpu0 = await procCpuSeconds(relay.pid)
    const t0 = performance.now()
    const failures: string[] = []
    let blocksChecked = 0
    await Promise.all(clients.flatMap(({ client, policy }, r) => Array.from({ length: SYNCS_EACH }, async (_, s) => {
      const n = r * SYNCS_EACH + s
      const target = targets[n % targets.length]
      await sleep(START_SPREAD_MS * n / (REQUESTERS * SYNCS_EACH))
      const run = client.sync({ relay: viaProxy, peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 26, maxCharge: 0n, policyCid: policy.cid })
      let i = 0
      try {
        for await (const block of run) {
          if (!block.cid.equals(order[i].cid) || !equals(block.bytes, order[i].bytes)) failures.push(`requester ${r} sync ${s}: block ${i} differs`)
          i++
        }
        const result = await run.result
        if (result.status !== 'completed' || i !== order.length) failures.push(`requester ${r} sync ${s}: ${result.status} after ${i} blocks`)
        blocksChecked += i
      } catch (err: unknown) {
        failures.push(`requester ${r} sync ${s}: ${(err as Error).name}: ${(err as Error).message} after ${i} blocks, ${round(performance.now() - t0)} ms`)
      }
    })))
    const seconds = (performance.now() - t0) / 1000
    const runLagP99Ms = lagP99Ms(await relay.scrape())
    const relayCpuSeconds = await procCpuSeconds(relay.pid) - cpu0
    sampling.running = false
    await sampler
    const peak = Math.max(...rssSamples, (await procRss(relay.pid)).rss)
    const growthMiB = (peak - base.rss) / MIB
    const totalBytes = REQUESTERS * SYNCS_EACH * order.reduce((n, b) => n + b.bytes.byteLength, 0)
    const stats = await relay.stats()
    t.diagnostic(JSON.stringify({
      scenario: 'slow_requesters',
      soak: SOAK,
      requesters: REQUESTERS,
      syncs: REQUESTERS * SYNCS_EACH,
      targets: targets.length,
      link: LINK,
      syncMiB: round(totalBytes / REQUESTERS / SYNCS_EACH / MIB, 2),
      totalMiB: round(totalBytes / MIB),
      seconds: round(seconds),
      aggregateMBps: round(totalBytes / 1e6 / seconds),
      failures: failures.length,
      failureKinds: tally(failures),
      blocksChecked,
      relayEventLoopP99Ms: round(runLagP99Ms),
      relayEventLoopIdleP99Ms: round(idleLagP99Ms),
      relayCpuShare: round(relayCpuSeconds / seconds, 2),
      relayRssBaseMiB: round(base.rss / MIB),
      relayRssPeakMiB: round(peak / MIB),
      relayRssGrowthMiB: round(growthMiB),
      relayRssGrowthPerPeerMiB: round(growthMiB / REQUESTERS, 2),
      proxyMaxQueuedKiB: round(proxy.maxQueuedBytesSeen / 1024),
      activeSyncsAfter: stats.activeSyncs
    }))
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} syncs failed`)
    assert.equal(blocksChecked, REQUESTERS * SYNCS_EACH * order.length)
    assert.ok(runLagP99Ms < MAX_EVENT_LOOP_P99_MS, `relay event loop p99 ${round(runLagP99Ms)} ms (idle: ${round(idleLagP99Ms)} ms)`)
    assert.ok(growthMiB <= MAX_BUFFERED_MIB, `relay RSS grew ${round(growthMiB)} MiB`)
    assert.ok(growthMiB / REQUESTERS <= MAX_BUFFERED_PER_PEER_MIB, `${round(growthMiB / REQUESTERS, 2)} MiB per requester`)
    assert.equal(stats.activeSyncs, 0)
  })
})
