/**
 * Relay bench (issue 6 part 6), loopback, one machine. Requesters and targets live in this process;
 * each relay is a child process, so its CPU time and RSS are its own. With a 256 MiB attachment
 * (1,024 raw 256 KiB pieces under one dag-cbor index): (a) requester ← our relay ← target with
 * HamtGraphRelaySync; (b) plain graphsync through the stock circuit-relay-v2 server, limits lifted;
 * (c) direct graphsync. Reports MB/s (10^6 bytes), relay CPU-s per GiB and relay RSS. Then
 * (d) our relay's RSS per held reservation and (e) concurrent small syncs through our relay.
 * Run alone: node dist/test/bench/relay.bench.js ['{"rounds":1,"reservations":1000,...}']
 */
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { exploreAll } from '../helpers/graphsync.js'
import { collectGarbage, median, round, withTimeout } from './bench-results.js'
import { buildAttachment } from './graphsync-bench-node.js'
import { BENCH_PAYER, RelayChild, createRequester } from './relay-bench-nodes.js'
import { concurrentSyncs, heldReservations } from './relay-bench-load.js'
import type { RequesterNode } from './relay-bench-nodes.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** Knobs of one run; defaults are the sizes, bounded to a few minutes on 2 cores. */
export interface RelayBenchInit {
  pieces?: number
  pieceBytes?: number
  /** Measured rounds of each case, after one unmeasured warm-up round. */
  rounds?: number
  /** Reservations held in (d) (the issue asks 10,000; 1,000 by default, per-reservation figure extrapolates). */
  reservations?: number
  /** Run only (d) and (e) (the 10,000-reservation run). */
  loadOnly?: boolean
  /** Concurrent syncs in (e). */
  syncs?: number
  /** Syncs of (e) per target (the default policy's maxConcurrentSyncsPerTarget is 6). */
  syncsPerTarget?: number
}

/** One measured transfer. */
interface Sample { mbPerSecond: number, seconds: number, relayCpuSecondsPerGiB?: number, relayRssMiB?: number, relayPeakRssMiB?: number }

const GIB = 1024 ** 3
const MIB = 1024 ** 2
/** A case that should take ~10 s taking 5 minutes means something hangs. */
const CASE_TIMEOUT_MS = 5 * 60 * 1000
/** Our relay's policy limits, raised so (e) measures the relay, not its admission caps. */
const RAISED_LIMITS = { maxConcurrentSyncs: 2000, maxConcurrentSyncsPerPayer: 2000, maxConcurrentSyncsPerTarget: 2000 }
/** Our relay's circuit terms, raised for (d)'s many reservations from one IP. */
const RAISED_CIRCUIT = { maxReservations: 20_000, maxReservationsPerIp: 20_000 }

/** Runs the bench and returns its figures. */
export async function run (init: RelayBenchInit = {}): Promise<object> {
  const pieces = init.pieces ?? 1024
  const pieceBytes = init.pieceBytes ?? 256 * 1024
  const rounds = init.rounds ?? 3
  const { store, root } = buildAttachment(pieces, pieceBytes)
  const bytes = [...store.blocks.values()].reduce((n, b) => n + b.byteLength, 0)
  const ours = new RelayChild({ mode: 'ours', maxConnections: 30_000, limits: RAISED_LIMITS, circuit: RAISED_CIRCUIT })
  const stock = new RelayChild({ mode: 'stock', maxConnections: 30_000 })
  const [oursAddr, stockAddr] = [multiaddr(await ours.ready), multiaddr(await stock.ready)]
  // the target holds a connection to our relay and a reservation on the stock one
  const target = await startTargetPeer({ blockStore: store, relayAddr: stockAddr })
  await target.node.dial(oursAddr)
  const [reqA, reqB, reqC] = await Promise.all([createRequester(), createRequester(), createRequester()])
  try {
    const client = new RelaySyncClient({ libp2p: reqA }, { tauPrivateKey: BENCH_PAYER.privateKey })
    const policy = await client.fetchPolicy(oursAddr)
    await reqB.dial(stockAddr.encapsulate(`/p2p-circuit/p2p/${target.peerId.toString()}`))
    await reqC.dial(target.node.getMultiaddrs().find((a) => !a.toString().includes('p2p-circuit')) as Multiaddr)
    const cases = {
      relaySync: async () => {
        const run = client.sync({ relay: oursAddr, peer: target.peerId, root, maxBlocks: pieces + 1, maxBytes: bytes, maxCharge: 0n, policyCid: policy.cid })
        let blocks = 0
        for await (const block of run) { void block; blocks++ }
        const result = await run.result
        if (result.status !== 'completed' || blocks !== pieces + 1) throw new Error(`relay sync ended ${result.status} after ${blocks} blocks`)
      },
      stockCircuit: async () => { await graphsyncFetch(reqB, target.peerId, root, pieces + 1) },
      direct: async () => { await graphsyncFetch(reqC, target.peerId, root, pieces + 1) }
    }
    const relayOf = { relaySync: ours, stockCircuit: stock, direct: undefined }
    const samples: Record<keyof typeof cases, Sample[]> = { relaySync: [], stockCircuit: [], direct: [] }
    for (let i = 0; i <= (init.loadOnly === true ? -1 : rounds); i++) {
      for (const name of ['relaySync', 'stockCircuit', 'direct'] as const) {
        const sample = await measure(bytes, cases[name], relayOf[name])
        if (i > 0) samples[name].push(sample)
      }
    }
    const med = (name: keyof typeof cases, key: keyof Sample): number => median(samples[name].map((s) => s[key] ?? NaN))
    const a = med('relaySync', 'mbPerSecond')
    const b = med('stockCircuit', 'mbPerSecond')
    const c = med('direct', 'mbPerSecond')
    await Promise.all([reqA.stop(), reqB.stop(), reqC.stop(), target.stop()])
    await stock.stop()
    await ours.stop()
    // (d) and (e) on a fresh relay, so the 256 MiB transfers' freed memory does not blur its RSS
    const fresh = new RelayChild({ mode: 'ours', maxConnections: 30_000, limits: RAISED_LIMITS, circuit: RAISED_CIRCUIT })
    let reservations: object
    let syncs: object
    try {
      const freshAddr = multiaddr(await fresh.ready)
      reservations = await heldReservations(fresh, freshAddr.toString(), init.reservations ?? 1000)
      syncs = await concurrentSyncs(fresh, freshAddr, init.syncs ?? 500, init.syncsPerTarget ?? 6)
    } finally {
      await fresh.stop()
    }
    return {
      bytes,
      pieces,
      pieceBytes,
      rounds,
      relaySync: { mbPerSecond: a, relayCpuSecondsPerGiB: med('relaySync', 'relayCpuSecondsPerGiB'), relayRssMiB: med('relaySync', 'relayRssMiB'), relayPeakRssMiB: med('relaySync', 'relayPeakRssMiB'), samples: samples.relaySync },
      stockCircuit: { mbPerSecond: b, relayCpuSecondsPerGiB: med('stockCircuit', 'relayCpuSecondsPerGiB'), relayRssMiB: med('stockCircuit', 'relayRssMiB'), relayPeakRssMiB: med('stockCircuit', 'relayPeakRssMiB'), samples: samples.stockCircuit },
      direct: { mbPerSecond: c, samples: samples.direct },
      ratios: { relaySyncOverStock: round(a / b, 3), relaySyncOverDirect: round(a / c, 3) },
      targets: { relaySyncOverStock: 1.3, relaySyncOverDirect: 0.6, relayCpuSecondsPerGiB: 4, reservationKiB: 44 },
      reservations,
      concurrentSyncs: syncs,
      loadAverage: loadavg().map((load) => round(load))
    }
  } finally {
    await Promise.allSettled([reqA.stop(), reqB.stop(), reqC.stop(), target.stop()])
    await Promise.allSettled([ours.stop(), stock.stop()])
  }
}

/** Wall time of one transfer of `bytes`, and the relay's CPU time and RSS when there is one. */
async function measure (bytes: number, transfer: () => Promise<void>, relay?: RelayChild): Promise<Sample> {
  collectGarbage()
  const before = await relay?.stats(true)
  const started = performance.now()
  await withTimeout(transfer(), CASE_TIMEOUT_MS)
  const seconds = (performance.now() - started) / 1000
  const after = await relay?.stats()
  const sample: Sample = { mbPerSecond: round(bytes / 1e6 / seconds, 1), seconds: round(seconds, 3) }
  if (before !== undefined && after !== undefined) {
    sample.relayCpuSecondsPerGiB = round((after.cpuMicros - before.cpuMicros) / 1e6 / (bytes / GIB), 3)
    sample.relayRssMiB = round(after.rss / MIB, 1)
    sample.relayPeakRssMiB = round(after.peakRss / MIB, 1)
  }
  return sample
}

/** Fetches the attachment over graphsync on whatever connection `node` has to `peer`; every block verified. */
async function graphsyncFetch (node: RequesterNode, peer: PeerId, root: CID, expectedBlocks: number): Promise<void> {
  const fetch = node.services.graphsync.request(peer, root, exploreAll(), { timeoutMs: CASE_TIMEOUT_MS })
  let blocks = 0
  for await (const block of fetch) { void block; blocks++ }
  const result = await fetch.result
  if (result.status !== GraphsyncStatus.RequestCompletedFull || blocks !== expectedBlocks) {
    throw new Error(`graphsync ended ${result.status} after ${blocks} of ${expectedBlocks} blocks`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run(JSON.parse(process.argv[2] ?? '{}') as RelayBenchInit)
  console.log(JSON.stringify(result, null, 2))
  process.exit(0)
}
