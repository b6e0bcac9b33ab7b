/**
 * The relay side of the relay bench, alone in its own process so its CPU time and RSS are its own:
 * either our relay (relay/relay.ts, every part real: LevelDB ledger, transfer log, relay-sync,
 * admission) with the whole bench inside its free quota and the policy's limits raised, or the
 * stock circuit-relay-v2 server on a plain node with its limits lifted. Driven over the fork IPC
 * channel by relay.bench.ts: answers `stats` and exits on `stop`. Argument: JSON of RelayChildInit.
 */
import '../../relay/runtime-shim.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createPolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { loadConfig } from '../../relay/config.js'
import { createLogger } from '../../relay/logger.js'
import { startRelay } from '../../relay/relay.js'
import type { PolicyCircuit, PolicyLimits } from '../../protocol/policy-schema.js'
import type { Libp2p } from 'libp2p'

/** What the parent passes as argv[2]. */
export interface RelayChildInit {
  mode: 'ours' | 'stock'
  /** Policy limits over the defaults (ours). */
  limits?: Partial<PolicyLimits>
  /** Circuit terms over the defaults (ours), or the stock server's maxReservations. */
  circuit?: Partial<PolicyCircuit>
  /** Connection cap of the node. */
  maxConnections: number
}

/** Messages from the parent. */
export type ToRelayChild = { type: 'stats', id: number, gc?: boolean } | { type: 'stop' }
/** One reading of the child's resources; `peakRss` is the highest RSS sampled since the last reading. */
export interface RelayStats { cpuMicros: number, rss: number, peakRss: number, heapUsed: number, reservations: number }
/** Messages to the parent. */
export type FromRelayChild =
  { type: 'ready', addr: string } |
  { type: 'stats', id: number, stats: RelayStats }

/** The bench is free: a 1 TiB free quota covers every byte it moves. */
const BENCH_FREE_QUOTA_BYTES = 2 ** 40
/** How often the peak RSS is sampled: often enough to catch a transfer's peak, cheap enough not to show in CPU. */
const RSS_SAMPLE_MS = 50

const init = JSON.parse(process.argv[2] ?? '{}') as RelayChildInit
const send = (message: FromRelayChild): void => { process.send?.(message) }
let stop: () => Promise<void>
let addr: string
let reservations: () => number

if (init.mode === 'ours') {
  const dir = await mkdtemp(join(tmpdir(), 'tau-relay-bench-'))
  const config = loadConfig({
    env: { TAU_RELAY_DATA_DIR: dir, TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0', TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0', TAU_RELAY_LOG_LEVEL: 'silent' },
    cwd: dir
  })
  config.initialPolicy.freeQuotaBytes = BENCH_FREE_QUOTA_BYTES
  config.libp2p.maxConnections = init.maxConnections
  const options = {
    logger: createLogger({ level: 'silent', format: 'json' }),
    node: { inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 100_000 }
  }
  const first = await startRelay(config, options)
  const current = (await first.policyStore.current()).doc
  await first.policyStore.publish(signPolicyDocument(createPolicyDocument({
    relay: current.relay,
    issuedAtMs: Math.max(Date.now(), current.issuedAtMs + 1),
    pricing: current.pricing,
    freeQuota: current.freeQuota,
    seedingCredit: current.seedingCredit,
    settlement: current.settlement,
    limits: { ...current.limits, ...init.limits },
    circuit: { ...current.circuit, ...init.circuit }
  }), first.dataDir.tauPrivateKey))
  // the circuit server takes its caps from the policy in force at start: restart to apply ours
  await first.stop()
  const relay = await startRelay(config, options)
  addr = relay.multiaddrs.find((a) => !a.includes('/ws')) ?? relay.multiaddrs[0]
  reservations = () => relay.libp2p.services.reservations.size
  stop = async () => {
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
} else {
  const node: Libp2p<{ circuitRelay: { reservations: Map<unknown, unknown> } }> = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: init.maxConnections, inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 100_000 },
    services: {
      identify: identify(),
      circuitRelay: circuitRelayServer({
        reservations: { applyDefaultLimit: false, maxReservations: init.circuit?.maxReservations ?? 20_000 },
        maxInboundHopStreams: 20_000,
        maxOutboundStopStreams: 20_000
      })
    }
  }) as never
  addr = node.getMultiaddrs()[0].toString()
  reservations = () => node.services.circuitRelay.reservations.size
  stop = async () => { await node.stop() }
}

// sampled here because getrusage's maxRSS of a forked child starts at the parent's peak (Linux keeps it across exec)
let peakRss = 0
setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, RSS_SAMPLE_MS).unref()

/** Stops the relay and leaves (the parent asked, or went away). */
async function exit (): Promise<void> {
  try {
    await stop()
  } finally {
    process.exit(0)
  }
}

process.on('message', (message: ToRelayChild) => {
  if (message.type === 'stats') {
    if (message.gc === true) globalThis.gc?.()
    const { user, system } = process.cpuUsage()
    const memory = process.memoryUsage()
    const peak = Math.max(peakRss, memory.rss)
    peakRss = 0
    send({
      type: 'stats',
      id: message.id,
      stats: { cpuMicros: user + system, rss: memory.rss, peakRss: peak, heapUsed: memory.heapUsed, reservations: reservations() }
    })
  } else {
    void exit()
  }
})
process.on('disconnect', () => { void exit() })

send({ type: 'ready', addr })
