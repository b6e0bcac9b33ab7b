/**
 * A relay (relay/relay.ts, every part real) alone in a child process for the chaos tier, so its RSS
 * and event loop are its own. Started by ChaosRelay (chaos-relay.ts) with a JSON RelayChildInit as
 * argv[2]: publishes a policy with the given `limits`/`circuit` terms (admission applies them live),
 * answers `stats` over IPC (after a full GC when asked; run with --expose-gc) and exits on `stop`.
 */
import '../../relay/runtime-shim.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { loadConfig } from '../../relay/config.js'
import { createLogger } from '../../relay/logger.js'
import { startRelay } from '../../relay/relay.js'
import type { PolicyCircuit, PolicyLimits } from '../../protocol/policy-schema.js'
import type { RelayOptions } from '../../relay/relay.js'

/** What the parent passes as argv[2]. */
export interface RelayChildInit {
  limits?: Partial<PolicyLimits>
  /** Circuit terms over the defaults (no fee: JSON has no bigint). */
  circuit?: Partial<Omit<PolicyCircuit, 'reservationFee'>>
  /** Node settings the config has no key for (per-IP connection rate, pending connections). */
  node?: RelayOptions['node']
  /** libp2p.maxConnections of the config. */
  maxConnections?: number
}

/** One reading of the relay. */
export interface RelayChildStats {
  rss: number
  heapUsed: number
  external: number
  reservations: number
  connections: number
  activeSyncs: number
}

/** Messages from the parent. */
export type ToRelayChild = { type: 'stats', id: number, gc?: boolean } | { type: 'stop' }
/** Messages to the parent. */
export type FromRelayChild =
  { type: 'ready', addr: string, http: string, peerId: string } |
  { type: 'stats', id: number, stats: RelayChildStats }

/** Every sync of the chaos tier is free: 1 TiB of free quota. */
const FREE_QUOTA_BYTES = 2 ** 40

const init = JSON.parse(process.argv[2] ?? '{}') as RelayChildInit
const dir = await mkdtemp(join(tmpdir(), 'tau-relay-chaos-'))
const config = loadConfig({
  env: { TAU_RELAY_DATA_DIR: dir, TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0', TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0', TAU_RELAY_LOG_LEVEL: 'silent' },
  cwd: dir
})
config.initialPolicy.freeQuotaBytes = FREE_QUOTA_BYTES
if (init.maxConnections !== undefined) config.libp2p.maxConnections = init.maxConnections
const relay = await startRelay(config, { logger: createLogger({ level: 'silent', format: 'json' }), node: init.node })
const current = (await relay.policyStore.current()).doc
await relay.policyStore.publish(signPolicyDocument(createPolicyDocument({
  relay: current.relay,
  issuedAtMs: Math.max(Date.now(), current.issuedAtMs + 1),
  pricing: current.pricing,
  freeQuota: current.freeQuota,
  seedingCredit: current.seedingCredit,
  settlement: current.settlement,
  limits: { ...current.limits, ...init.limits },
  circuit: { ...current.circuit, ...init.circuit }
}), relay.dataDir.tauPrivateKey))

const services = relay.libp2p.services as unknown as { relaySync: { activeSyncs: number } }
const send = (message: FromRelayChild): void => { process.send?.(message) }

async function exit (): Promise<void> {
  try {
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  } finally {
    process.exit(0)
  }
}

process.on('message', (message: ToRelayChild) => {
  if (message.type === 'stop') {
    void exit()
    return
  }
  if (message.gc === true) globalThis.gc?.()
  const memory = process.memoryUsage()
  send({
    type: 'stats',
    id: message.id,
    stats: {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      reservations: relay.libp2p.services.reservations.size,
      connections: relay.libp2p.getConnections().length,
      activeSyncs: services.relaySync.activeSyncs
    }
  })
})
process.on('disconnect', () => { void exit() })

const http = relay.httpAddress
send({
  type: 'ready',
  addr: relay.multiaddrs.find((a) => !a.includes('/ws')) ?? relay.multiaddrs[0],
  http: http === undefined ? '' : `http://${http.host}:${http.port}`,
  peerId: relay.libp2p.peerId.toString()
})
