/**
 * The relay's libp2p 3 node (DESIGN.md §4.5, §9): TCP and WebSockets, noise, yamux with the
 * window/buffer pair of §9.1, identify, ping with a relay-sized connection monitor interval (§9.6),
 * the circuit relay v2 server configured from the policy's `circuit` section, graphsync v2 (the
 * relay is a requester; its responder has no blocks and answers 34), the reservation releaser and
 * circuit tracker of this folder, and the services the caller adds (relay-sync, identity, policy).
 * libp2p's metrics go to the relay's own registry through a private module instance (§9.6,
 * relay/libp2p-metrics.ts).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { packageVersion } from './build-info.js'
import { circuitTracker } from './circuits.js'
import { reservationStoreInit } from './circuit-limits.js'
import { graphsync } from './graphsync/index.js'
import { isolatedPrometheusMetrics } from './libp2p-metrics.js'
import {
  DEFAULT_CONNECTION_HEADROOM, MAX_RESERVATIONS_CEILING, DEFAULT_INBOUND_CONNECTION_THRESHOLD, DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS,
  DEFAULT_MAX_STREAM_WINDOW_BYTES, DEFAULT_PING_INTERVAL_MS, DEFAULT_STREAM_READ_BUFFER_BYTES
} from './node-defaults.js'
import { DEFAULT_MAX_CONNECTIONS } from './config-defaults.js'
import { reservationReleaser } from './reservations.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, ServiceFactoryMap } from 'libp2p'
import type { Registry } from 'prom-client'
import type { PolicyDocument } from '../protocol/policy-schema.js'
import type { RelayAdmission } from './admission.js'
import type { CircuitTracker } from './circuits.js'
import type { GraphsyncService } from './graphsync/index.js'
import type { CircuitTracer } from './metrics.js'
import type { ReservationReleaser } from './reservations.js'

/** The services every relay node runs. */
export interface RelayNodeServices {
  identify: Identify
  ping: Ping
  circuitRelay: CircuitRelayService
  graphsync: GraphsyncService
  reservations: ReservationReleaser
  circuits: CircuitTracker
}

/** A relay node with its own services and the caller's `S`. */
export type RelayLibp2p<S extends ServiceMap = Record<never, never>> = Libp2p<RelayNodeServices & S>

/** What the node is made with. */
export interface RelayNodeComponents {
  /** The relay's libp2p key (its peer id). */
  privateKey: PrivateKey
  /** The relay's own registry; libp2p's metrics are added to it. */
  registry: Registry
  /** Reservation admission (the connection gater); without one every reservation is accepted by the stock rules. */
  admission?: RelayAdmission
  /** Circuit events (metrics). */
  tracer?: CircuitTracer
}

/** Node settings; the policy's `circuit` section configures the circuit relay server. */
export interface RelayNodeInit<S extends ServiceMap = Record<never, never>> {
  /** Listen multiaddrs (TCP and `/ws`). */
  listen: string[]
  /** Addresses announced instead of the listen addresses. @default [] */
  announce?: string[]
  /** The policy in force at start. */
  policy: PolicyDocument
  /** Raised to `circuit.maxReservations` + DEFAULT_CONNECTION_HEADROOM when lower. @default DEFAULT_MAX_CONNECTIONS */
  maxConnections?: number
  /** @default DEFAULT_INBOUND_CONNECTION_THRESHOLD */
  inboundConnectionThreshold?: number
  /** @default DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS */
  maxIncomingPendingConnections?: number
  /** Connection monitor ping interval. @default DEFAULT_PING_INTERVAL_MS */
  pingIntervalMs?: number
  /** yamux stream window. @default DEFAULT_MAX_STREAM_WINDOW_BYTES */
  maxStreamWindowBytes?: number
  /** yamux stream read buffer. @default DEFAULT_STREAM_READ_BUFFER_BYTES */
  streamReadBufferBytes?: number
  /** More services (relay-sync, identity, policy, …). */
  services?: ServiceFactoryMap<S>
  /** Start the node before returning. @default true */
  start?: boolean
}

/** libp2p's connection manager methods for its limit (internal API, stable across libp2p 2–3). */
interface ConnectionLimits {
  getMaxConnections: () => number
  setMaxConnections: (max: number) => void
}

/** The connection limit for a policy: the configured one, raised so every reservation fits. */
export function effectiveMaxConnections (configured: number, policy: PolicyDocument): number {
  return Math.max(configured, policy.circuit.maxReservations + DEFAULT_CONNECTION_HEADROOM)
}

/** Creates (and by default starts) the relay's libp2p node. */
export async function createRelayNode<S extends ServiceMap = Record<never, never>> (components: RelayNodeComponents, init: RelayNodeInit<S>): Promise<RelayLibp2p<S>> {
  const prometheusMetrics = await isolatedPrometheusMetrics()
  const admission = components.admission
  const window = init.maxStreamWindowBytes ?? DEFAULT_MAX_STREAM_WINDOW_BYTES
  const services = {
    ...init.services,
    identify: identify(),
    ping: ping(),
    // with admission, the policy's caps are enforced there, live: the store only keeps a ceiling,
    // so a newly published policy that raises maxReservations applies without a restart
    circuitRelay: circuitRelayServer({ reservations: reservationStoreInit(init.policy.circuit, admission === undefined ? undefined : MAX_RESERVATIONS_CEILING) }),
    graphsync: graphsync({}),
    reservations: reservationReleaser({ onRelease: (peer) => { admission?.forget(peer) } }),
    circuits: circuitTracker({ tracer: components.tracer })
  } as unknown as ServiceFactoryMap<RelayNodeServices & S>
  const node = await createLibp2p<RelayNodeServices & S>({
    privateKey: components.privateKey,
    start: false,
    nodeInfo: { name: 'tau-relay', version: packageVersion() },
    addresses: { listen: [...init.listen], announce: [...init.announce ?? []] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      streamOptions: {
        // yamux's initial window is 256 KiB; the maximum may not be below it
        maxStreamWindowSize: window,
        maxReadBufferLength: Math.max(init.streamReadBufferBytes ?? DEFAULT_STREAM_READ_BUFFER_BYTES, window)
      }
    })],
    connectionManager: {
      maxConnections: effectiveMaxConnections(init.maxConnections ?? DEFAULT_MAX_CONNECTIONS, init.policy),
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? DEFAULT_INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: init.maxIncomingPendingConnections ?? DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS
    },
    connectionMonitor: { pingInterval: init.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS },
    connectionGater: admission?.gater(),
    metrics: prometheusMetrics({ registry: components.registry, preserveExistingMetrics: true }),
    services
  })
  const connectionManager = (node as unknown as { components: { connectionManager: ConnectionLimits } }).components.connectionManager
  admission?.attach({
    getConnections: (peer) => node.getConnections(peer),
    reservations: () => node.services.circuitRelay.reservations,
    ensureConnectionCapacity: (maxReservations) => {
      const needed = maxReservations + DEFAULT_CONNECTION_HEADROOM
      if (connectionManager.getMaxConnections() < needed) connectionManager.setMaxConnections(needed)
    }
  })
  if (init.start !== false) await node.start()
  return node
}
