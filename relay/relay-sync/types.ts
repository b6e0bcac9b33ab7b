/**
 * Public shapes of the relay-sync service: its dependencies (accounting objects and optional
 * tracer, logger, clock), its libp2p components and its settings, each limit with its default.
 */
import type { AdmissionPolicies } from './admission.js'
import type { GraphsyncRequester } from './forward.js'
import type { SettleLedger, SettleLog } from './settle.js'
import type { TargetConnectionManager } from './target.js'
import type { Hold, OpenHoldArgs } from '../../accounting/ledger-holds.js'
import type { LedgerDatabase } from '../../accounting/ledger-state.js'
import type { Logger } from '../logger.js'
import type { SyncTracer } from '../metrics.js'
import type { ComponentLogger, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

/** The objects a relay sync works with (passed to the `relaySync` factory). */
export interface RelaySyncDeps {
  /** Holds, releases (a `Ledger`). */
  ledger: SettleLedger & { openHold: (args: OpenHoldArgs) => Promise<Hold> }
  /** Charges and logs finished transfers (a started `TransferLog` whose components include the ledger). */
  transferLog: SettleLog
  /** Current and honoured policies (a started `PolicyStore`). */
  policyStore: AdmissionPolicies
  /**
   * The TAU address a target peer earns seeding credit to (its valid binding), or undefined. Without
   * it no seeding credit is paid.
   */
  seederAddress?: (peer: Uint8Array, nowMs: number) => Promise<Uint8Array | undefined>
  /** The ledger's database, so replays are refused in §4.1's order; without it, at the hold. */
  db?: Pick<LedgerDatabase, 'get'>
  /** The graphsync service to request targets with; default: the node's `graphsync` service. */
  graphsync?: GraphsyncRequester
  metrics?: SyncTracer
  logger?: Logger
  /** @default Date.now */
  now?: () => number
}

/** The libp2p components the service uses. */
export interface RelaySyncComponents {
  registrar: { handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>, unhandle: (protocol: string) => Promise<void> }
  connectionManager: TargetConnectionManager
  logger: ComponentLogger
}

/** Settings of the service; each falls back to the DEFAULT_* of constants.ts named in its JSDoc. */
export interface RelaySyncInit {
  /** @default DEFAULT_REQUEST_READ_TIMEOUT_MS */
  requestReadTimeoutMs?: number
  /** @default DEFAULT_REQUESTER_SEND_TIMEOUT_MS */
  requesterSendTimeoutMs?: number
  /** @default DEFAULT_RESULT_SEND_TIMEOUT_MS */
  resultSendTimeoutMs?: number
  /** @default DEFAULT_DIAL_TIMEOUT_MS */
  dialTimeoutMs?: number
  /** @default DEFAULT_FUTURE_STATE_TIMEOUT_MS */
  futureStateTimeoutMs?: number
  /** @default DEFAULT_SYNC_TIMEOUT_MS */
  syncTimeoutMs?: number
  /** @default DEFAULT_MAX_INBOUND_SYNC_STREAMS */
  maxInboundStreams?: number
  /** @default DEFAULT_MAX_OUTBOUND_SYNC_STREAMS */
  maxOutboundStreams?: number
}

/** What the service is constructed with: the components and the deps, the event logger renamed. */
export type RelaySyncServiceComponents = RelaySyncComponents & Omit<RelaySyncDeps, 'logger'> & {
  /** The relay's pino event log (deps.logger); `logger` is libp2p's component logger. */
  eventLogger?: Logger
}
