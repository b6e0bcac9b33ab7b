/**
 * The relay service (DESIGN.md §2, STYLE.md 5.3): wires the data directory, the ledger, the policy
 * store, the transfer log, the libp2p node and the HTTP server, in that order, and stops them in
 * reverse. The policy store is read before the ledger is started because the ledger takes its free
 * quota terms from the policy in force; both live in the one LevelDB that the relay opens itself.
 *
 * **Guarantees**: the ledger's open holds are released (never charged) before the node accepts a
 * request; the transfer log commits every record a crash left pending before the node starts; a
 * `stop()` bounds the network half (HTTP, libp2p, in-flight syncs) by `shutdownTimeoutMs`, then
 * always finishes the log's in-flight commit and closes LevelDB; `stop()` is idempotent and may
 * be called while `start()` fails half-way.
 */
import { readFile } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ClassicLevel } from 'classic-level'
import { Registry } from 'prom-client'
import { Ledger } from '../accounting/ledger.js'
import { FleetLogSync } from '../accounting/ledger-postgres/fleet-log.js'
import { PostgresLedger } from '../accounting/ledger-postgres/postgres-ledger.js'
import { PolicyStore, bindingSource } from '../accounting/policy-store.js'
import { TransferLog } from '../accounting/transfer-log.js'
import { RelayAdmission } from './admission.js'
import { ReservationFeeCharger } from './reservation-fee.js'
import { packageVersion } from './build-info.js'
import { isLevelLockedError, ensureDataDir } from './data-dir.js'
import { LedgerLockedError } from './errors.js'
import { createHttpServer } from './http/server.js'
import { httpServerInit } from './http/init-from-config.js'
import { createInitialPolicy, writePolicyFile } from './initial-policy.js'
import { componentLogger, createLogger } from './logger.js'
import { createRelayMetrics } from './metrics.js'
import { startOpsMetrics } from './ops-metrics.js'
import { createRelayNode } from './node.js'
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './node-defaults.js'
import { PeerBindingStore } from './peer-bindings.js'
import { RelayNotRunningError } from './relay-errors.js'
import { relaySync } from './relay-sync/index.js'
import { identityService } from './services/identity-service.js'
import { policyService } from './services/policy-service.js'
import type { ServiceMap } from '@libp2p/interface'
import type { LedgerBackend } from '../accounting/ledger-api.js'
import type { ServiceFactoryMap } from 'libp2p'
import type { RelayConfig } from './config.js'
import type { DataDir } from './data-dir.js'
import type { HttpAddress, HttpServer } from './http/server.js'
import type { ReadinessReport } from './http/sources.js'
import type { Logger } from './logger.js'
import type { RelayMetrics } from './metrics.js'
import type { OpsMetrics } from './ops-metrics.js'
import type { RelayLibp2p, RelayNodeInit } from './node.js'

/** What a relay is started with besides its configuration. */
export interface RelayOptions<S extends ServiceMap = Record<never, never>> {
  /** Root logger. @default createLogger(config.log) */
  logger?: Logger
  /** The relay's metrics registry. @default a new Registry */
  registry?: Registry
  /** More libp2p services, made once the stores are open (relay-sync, identity and policy are always there). */
  services?: (relay: Relay<S>) => ServiceFactoryMap<S>
  /** @default Date.now */
  now?: () => number
  /** Bound on the network half of `stop()`. @default DEFAULT_SHUTDOWN_TIMEOUT_MS */
  shutdownTimeoutMs?: number
  /** Node settings the config has no key for (connection rate, ping interval, yamux); relay/node-defaults.ts otherwise. */
  node?: Pick<RelayNodeInit, 'inboundConnectionThreshold' | 'maxIncomingPendingConnections' | 'pingIntervalMs' | 'maxStreamWindowBytes' | 'streamReadBufferBytes'>
}

type Db = ClassicLevel<Uint8Array, Uint8Array>

/** One running relay: its stores, node, HTTP server and metrics. */
export class Relay<S extends ServiceMap = Record<never, never>> {
  readonly config: RelayConfig
  readonly registry: Registry
  readonly metrics: RelayMetrics
  private readonly options: RelayOptions<S>
  private readonly logger: Logger
  private readonly now: () => number
  private parts: {
    dataDir?: DataDir
    db?: Db
    ledger?: LedgerBackend
    /** With the `postgres` ledger: keeps this node's log and its charge rows in step. */
    fleetLog?: FleetLogSync
    policyStore?: PolicyStore
    bindings?: PeerBindingStore
    transferLog?: TransferLog
    libp2p?: RelayLibp2p<S>
    http?: HttpServer
  } = {}

  private logRunning = false
  private stopping: Promise<void> | undefined
  private opsMetrics: OpsMetrics | undefined

  constructor (config: RelayConfig, options: RelayOptions<S> = {}) {
    this.config = config
    this.options = options
    this.logger = options.logger ?? createLogger({ level: config.log.level, format: config.log.format })
    this.registry = options.registry ?? new Registry()
    this.metrics = createRelayMetrics(this.registry, { version: packageVersion() })
    this.now = options.now ?? Date.now
  }

  private part<T> (value: T | undefined, name: string): T {
    if (value === undefined) throw new RelayNotRunningError(name)
    return value
  }

  /** The data directory (keys, admin token, paths). */
  get dataDir (): DataDir { return this.part(this.parts.dataDir, 'dataDir') }
  /** The LevelDB shared by the ledger, the policy store and the transfer log. */
  get db (): Db { return this.part(this.parts.db, 'db') }
  get ledger (): LedgerBackend { return this.part(this.parts.ledger, 'ledger') }
  get policyStore (): PolicyStore { return this.part(this.parts.policyStore, 'policyStore') }
  /** Peer bindings received over `/tau/identity/1.0.0`, by peer. */
  get bindings (): PeerBindingStore { return this.part(this.parts.bindings, 'bindings') }
  get transferLog (): TransferLog { return this.part(this.parts.transferLog, 'transferLog') }
  get libp2p (): RelayLibp2p<S> { return this.part(this.parts.libp2p, 'libp2p') }
  /** The HTTP server, when `http.enabled`. */
  get http (): HttpServer | undefined { return this.parts.http }
  /** Where HTTP listens, once started. */
  get httpAddress (): HttpAddress | undefined { return this.parts.http?.address }

  /** Named readiness checks of `GET /readyz`; all false once stopping. */
  readiness (): ReadinessReport {
    const up = this.stopping === undefined
    const node = this.parts.libp2p
    return {
      ledger: up && this.parts.db?.status === 'open' && this.parts.ledger !== undefined,
      log: up && this.logRunning,
      libp2p: up && node?.status === 'started' && node.getMultiaddrs().length > 0
    }
  }

  /** Starts every part in order; on failure stops what started and rethrows. */
  async start (): Promise<void> {
    try {
      await this.startParts()
    } catch (err: unknown) {
      await this.stop()
      throw err
    }
  }

  private async startParts (): Promise<void> {
    const config = this.config
    const dataDir = await ensureDataDir(config.dataDir, { adminTokenFile: config.admin.tokenFile ?? undefined })
    this.parts.dataDir = dataDir
    const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir.paths.ledger, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err: unknown) {
      if (isLevelLockedError(err)) throw new LedgerLockedError(dataDir.paths.ledger)
      throw err
    }
    this.parts.db = db

    const policyStore = new PolicyStore({ db }, { operatorAddress: dataDir.tauAddress, now: this.now })
    await policyStore.start()
    this.parts.policyStore = policyStore
    await this.ensurePolicy(policyStore, dataDir)
    const policy = await policyStore.current()

    const peerId = peerIdFromPrivateKey(dataDir.libp2pKey)
    const ledgerInit = {
      operatorAddress: dataDir.tauAddress,
      freeQuotaBytes: policy.doc.freeQuota.bytes,
      freeQuotaPeriodMs: policy.doc.freeQuota.periodMs,
      maxQueuedOperations: config.ledger.maxQueuedOperations,
      now: this.now
    }
    // a fleet shares one PostgreSQL ledger; this node's log stays in its LevelDB (DESIGN.md §8)
    const ledger = config.ledger.backend === 'postgres'
      ? new PostgresLedger({ logDb: db }, { ...ledgerInit, nodeId: peerId.toMultihash().bytes, connectionString: config.ledger.postgresUrl ?? undefined })
      : new Ledger({ db }, { ...ledgerInit, syncCharges: config.ledger.syncCharges })
    await ledger.start()
    this.parts.ledger = ledger
    const released = await ledger.recoverOpenHolds()
    if (released > 0) this.logger.warn({ released }, 'released open holds left by a crash')

    const bindings = new PeerBindingStore({ db, policyStore })
    await bindings.start()
    this.parts.bindings = bindings

    const transferLog = new TransferLog({ db, ledger }, {
      relayPeerId: peerId.toMultihash().bytes,
      tauPrivateKey: dataDir.tauPrivateKey,
      tracer: this.metrics,
      now: this.now
    })
    await transferLog.start()
    this.parts.transferLog = transferLog
    if (ledger instanceof PostgresLedger) {
      // log what a crash left charged but unlogged, before taking new syncs; then every few seconds
      const fleetLog = new FleetLogSync({ ledger, log: transferLog, db }, {
        onError: (err) => { this.logger.warn({ err }, 'fleet log reconcile failed') },
        onReconciled: (report) => { this.logger.info(report, 'fleet log reconciled') }
      })
      this.parts.fleetLog = fleetLog
      const report = await fleetLog.start()
      if (report.logged + report.found + report.resolvedHolds > 0) this.logger.warn(report, 'reconciled charges a crash left unlogged')
    }
    this.logRunning = true
    this.opsMetrics = startOpsMetrics({ registry: this.registry, dataDir: dataDir.paths.dir, db, ledger, reservationLimit: async () => (await policyStore.current()).doc.circuit.maxReservations, logger: componentLogger(this.logger, 'ops-metrics') })

    await this.startNode(policy.doc)
    await this.startHttp()
  }

  /** Imports `policy.cbor` on first start, or makes and writes the initial policy when there is none. */
  private async ensurePolicy (store: PolicyStore, dataDir: DataDir): Promise<void> {
    if ((await store.history()).length > 0) return
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(dataDir.paths.policy))
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      const policy = await createInitialPolicy({ tauPrivateKey: dataDir.tauPrivateKey, libp2pKey: dataDir.libp2pKey, terms: this.config.initialPolicy, nowMs: this.now() })
      await writePolicyFile(dataDir.paths.policy, policy)
      bytes = policy.bytes
    }
    const stored = await store.import(bytes)
    this.logger.info({ policy: stored.cid.toString() }, 'imported the first policy')
  }

  private async startNode (policy: Awaited<ReturnType<PolicyStore['current']>>['doc']): Promise<void> {
    const config = this.config
    const store = this.policyStore
    const bindings = this.bindings
    const admission = new RelayAdmission({
      policy: async () => (await store.current()).doc,
      binding: async (peer) => bindings.get(peer),
      charger: new ReservationFeeCharger({ ledger: this.ledger, transferLog: this.transferLog }),
      tracer: this.metrics,
      logger: componentLogger(this.logger, 'admission'),
      now: this.now
    })
    const extra = this.options.services?.(this) ?? {} as ServiceFactoryMap<S>
    const node = await createRelayNode<S>({ privateKey: this.dataDir.libp2pKey, registry: this.registry, admission, tracer: this.metrics }, {
      ...this.options.node,
      listen: config.libp2p.listen,
      announce: config.libp2p.announce,
      policy,
      maxConnections: config.libp2p.maxConnections,
      start: false,
      services: {
        ...extra,
        // HamtGraphRelaySync (DESIGN.md §4.1): requests targets through the node's graphsync service
        relaySync: relaySync({
          ledger: this.ledger,
          transferLog: this.transferLog,
          policyStore: store,
          db: this.db,
          seederAddress: async (peer, nowMs) => bindings.boundAddress(peer, nowMs),
          metrics: this.metrics,
          logger: componentLogger(this.logger, 'relay-sync'),
          now: this.now
        }),
        identity: identityService({ bindings, now: this.now }),
        policy: policyService({ policy: async () => (await store.current()).bytes })
      } as unknown as ServiceFactoryMap<S>
    })
    this.parts.libp2p = node
    this.metrics.setStateSources({
      reservations: () => node.services.reservations.size,
      circuits: () => node.services.circuits.size
    })
    await node.start()
  }

  private async startHttp (): Promise<void> {
    if (!this.config.http.enabled) return
    const store = this.policyStore
    const http = createHttpServer({
      ledger: this.ledger,
      metricsRegistry: this.registry,
      policy: store,
      log: this.transferLog,
      bindings: bindingSource(store),
      readiness: () => this.readiness(),
      logger: componentLogger(this.logger, 'http'),
      tauPrivateKey: this.dataDir.tauPrivateKey,
      tracer: this.metrics,
      now: this.now
    }, httpServerInit(this.config, this.dataDir.adminToken))
    this.parts.http = http
    await http.start()
  }

  /** Stops HTTP and libp2p (bounded), then the log (finishing its commit), the ledger and LevelDB. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= this.stopParts()
    await this.stopping
  }

  private async stopParts (): Promise<void> {
    const { http, libp2p, fleetLog, transferLog, ledger, db } = this.parts
    const boundMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
    const network = (async () => {
      await http?.stop()
      await libp2p?.stop()
    })().catch((err: unknown) => { this.logger.error({ err }, 'network shutdown failed') })
    const finished = await withTimeout(network, boundMs)
    if (!finished) this.logger.warn({ boundMs }, 'network shutdown took too long; closing the stores anyway')
    await this.opsMetrics?.stop()
    // the log and the database are local: always finish them, so no acknowledged charge is lost
    this.logRunning = false
    await fleetLog?.stop()
    await transferLog?.stop()
    await ledger?.stop()
    if (db !== undefined && db.status === 'open') await db.close()
  }

  /** The relay's peer id. */
  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  /** The addresses the node listens on, with `/p2p/<peer id>`. */
  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }
}

/** Resolves true when `promise` (which never rejects) settles within `ms`, false otherwise. */
async function withTimeout (promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(false) }, ms) })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Creates and starts a relay. */
export async function startRelay<S extends ServiceMap = Record<never, never>> (config: RelayConfig, options: RelayOptions<S> = {}): Promise<Relay<S>> {
  const relay = new Relay<S>(config, options)
  await relay.start()
  return relay
}
