/**
 * What callers use of a ledger (DESIGN.md §5.3, §8): the operations the relay, the HTTP admin
 * routes, the CLI and the transfer log call today, so that the classic-level `Ledger` and the
 * fleet's `PostgresLedger` (accounting/ledger-postgres/) are interchangeable. Both run the same
 * planners (ledger-holds.ts, ledger-credits.ts), so the rules are one code path.
 *
 * A second, optional capability, `ExternalLogLedger`, is what a ledger living in another database
 * than the node's transfer log offers instead of `extraBatchOps`: the charge row carries the
 * pending record's bytes and the node writes back the log seq it assigned (DESIGN-NOTES.md there).
 */
import type { AccountView } from './ledger.js'
import type { Hold, OpenHoldArgs, RequestOutcome, SettleArgs } from './ledger-holds.js'
import type { SeedingCredit, SeedingCreditArgs, SettlementImport } from './ledger-credits.js'
import type { Statement, StatementRange } from './ledger-statement.js'
import type { LedgerCheckReport } from './ledger-check.js'
import type { SettlementTx } from './settlement-tx.js'

/** The operations every ledger backend offers, with the classic-level ledger's semantics. */
export interface LedgerBackend {
  /** Prepares the store (schema, journal position). Idempotent. */
  start: () => Promise<void>
  /** Waits for running operations and closes what the ledger opened. Idempotent. */
  stop: () => Promise<void>
  /** Holds min(maxCharge, available) nanoTAU and free-quota bytes for a request. */
  openHold: (args: OpenHoldArgs) => Promise<Hold>
  /** Charges a held request; a repeat of the same settle returns the stored outcome. */
  settle: (args: SettleArgs) => Promise<RequestOutcome>
  /** Releases a hold without charging it; idempotent. */
  releaseHold: (requestId: Uint8Array, nowMs?: number) => Promise<RequestOutcome>
  /** Releases the open holds a crash left (a fleet node: only its own); returns how many. */
  recoverOpenHolds: (nowMs?: number) => Promise<number>
  /** Imports a signed settlement transaction; idempotent by txid. */
  creditSettlement: (tx: SettlementTx | Uint8Array, nowMs?: number) => Promise<SettlementImport>
  /** Credits seeding credit earned by a target peer. */
  creditSeeding: (args: SeedingCreditArgs) => Promise<SeedingCredit>
  /** The account of `address`, or undefined if never seen. */
  account: (address: Uint8Array) => Promise<AccountView | undefined>
  /** Every account, in address order. */
  accounts: () => AsyncGenerator<AccountView>
  /** A signed statement of `address` over a time range. */
  statement: (address: Uint8Array, range: StatementRange, signerPrivateKey: Uint8Array) => Promise<Statement>
  /** Recomputes every invariant from the stored state. */
  check: () => Promise<LedgerCheckReport>
}

/** What a settle that stored the record with the charge did. */
export interface LoggedSettle {
  outcome: RequestOutcome
  /** True when this call charged; false for a repeat of a settle already stored (nothing written). */
  charged: boolean
}

/**
 * A ledger in another database than the transfer log: it cannot share the log's LevelDB batch, so
 * the charge itself carries the pending record and the log seq is written back afterwards.
 */
export interface ExternalLogLedger {
  /** Marks the ledger kind: the transfer log takes the external path when present. */
  readonly logsExternally: true
  /**
   * Charges like `settle()` and stores `pendingRecord` (the log's pending-record bytes) with the
   * charge, named for this node; `logFloor` is the node's log count now (the record's seq will be
   * at or above it, which bounds the search for it after a crash).
   */
  settleLogged: (args: SettleArgs, pendingRecord: Uint8Array, logFloor: number) => Promise<LoggedSettle>
  /** The node logged the charge under `seq` (undefined: it could not; its reconcile will). Never rejects. */
  markLogged: (requestId: Uint8Array, seq: number | undefined) => void
}

/** Whether `ledger` stores charges outside the transfer log's database. */
export function isExternalLogLedger (ledger: unknown): ledger is ExternalLogLedger {
  return typeof ledger === 'object' && ledger !== null && (ledger as Partial<ExternalLogLedger>).logsExternally === true
}
