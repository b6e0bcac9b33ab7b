/**
 * The fleet ledger (DESIGN.md §8): the ledger of several relay nodes of one operator in one
 * PostgreSQL database (or CockroachDB / YugabyteDB). It runs the LevelDB ledger's planners
 * (ledger-holds.ts, ledger-credits.ts) inside SERIALIZABLE transactions over the tables of
 * schema.ts (rows.ts maps keys to rows), a group of queued operations per transaction
 * (group-writer.ts), so the rules are the same code: free quota in bytes with
 * its period roll, seeding credit spent first and credited in the settle, `exceeds_balance`.
 * Holds and outcomes name the node that made them; a charge made through the node's transfer log
 * stores the pending record and, once logged, its seq (DESIGN-NOTES.md: "charged iff logged
 * across two databases").
 *
 * **Guarantees** (each has a test in test/integration/ledger*.test.ts run against both backends,
 * or in fleet-*.test.ts):
 * - every operation runs in a serializable transaction (with the rest of its node's group): no
 *   interleaving across nodes can overdraw an account or hand out the free quota twice; conflicts
 *   are retried up to a bound, then `LedgerBusyError`;
 * - a request id is charged at most once in the whole fleet (primary keys, not caches);
 * - settlement imports are idempotent by txid and refuse a reused sender nonce (unique constraints);
 * - a lost connection is `LedgerUnavailableError`; holds it may have left open are released by
 *   `releaseUncertainHolds()`, and charges it may have committed are logged by the node's reconcile;
 * - `recoverOpenHolds()` releases only this node's holds: other nodes' syncs keep theirs.
 */
import assert from 'node:assert'
import pg from 'pg'
import { toString as bytesToString } from 'uint8arrays/to-string'
import { DEFAULT_FREE_QUOTA_BYTES, DEFAULT_FREE_QUOTA_PERIOD_MS, RECOVERY_BATCH_HOLDS } from '../ledger.js'
import { checkAddress } from '../ledger-state.js'
import { planOpenHold, planRelease, planSettle } from '../ledger-holds.js'
import { planSeedingCredit, planSettlement } from '../ledger-credits.js'
import { DEFAULT_MAX_STATEMENT_ENTRIES } from '../ledger-statement.js'
import { DEFAULT_MAX_QUEUED_OPERATIONS } from '../serial-queue.js'
import { DEFAULT_MAX_OPERATIONS_PER_GROUP, GroupWriter } from './group-writer.js'
import { migrate } from './migrate.js'
import { ACCOUNT_COLUMNS, accountFromRow, applyWrites, bytea, bytesOf, RowReader, uintOf } from './rows.js'
import { JOURNAL_SEQS_PER_BLOCK } from './schema.js'
import { checkPostgresLedger } from './check.js'
import { accountView, buildPostgresStatement } from './views.js'
import { DEFAULT_MAX_TRANSACTION_ATTEMPTS, isUnavailable, unavailable } from './transaction.js'
import { SeqWriteBack, writeBackSeqs } from './write-back.js'
import type { Pool, PoolClient } from 'pg'
import type { LedgerIsolation } from './transaction.js'
import type { AccountView } from '../ledger.js'
import type { ExternalLogLedger, LedgerBackend, LoggedSettle } from '../ledger-api.js'
import type { LedgerContext, LedgerDatabase } from '../ledger-state.js'
import type { Hold, OpenHoldArgs, Planned, RequestOutcome, SettleArgs } from '../ledger-holds.js'
import type { SeedingCredit, SeedingCreditArgs, SettlementImport } from '../ledger-credits.js'
import type { Statement, StatementRange } from '../ledger-statement.js'
import type { LedgerCheckReport } from '../ledger-check.js'
import type { SettlementTx } from '../settlement-tx.js'

/** Connections per node: 2× the cores of the small machines this runs on; the fleet bench saturated at 8. */
export const DEFAULT_POSTGRES_POOL_SIZE = 8
/** Longest one statement may run before the server cancels it (a lock wait behind a dead node). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000
/** Longest wait for a connection before `LedgerUnavailableError`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
/** Accounts read per page by `accounts()`. */
export const ACCOUNTS_PAGE_ROWS = 1000
/** Unlogged charges handed to one reconcile round. */
export const UNLOGGED_CHARGES_PER_ROUND = 4096

/** What the ledger uses; both optional. */
export interface PostgresLedgerComponents {
  /** A pool to share; without it the ledger opens (and ends) one from `init.connectionString`. */
  pool?: Pool
  /** This node's LevelDB (its transfer log), so `check()` also checks this node's log against its charges. */
  logDb?: LedgerDatabase
}

/** Settings of the fleet ledger. */
export interface PostgresLedgerInit {
  /** This node's id (its peer id multihash bytes): holds and charges are named by it. */
  nodeId: Uint8Array
  /** `postgres://…` URL, when no pool is given. */
  connectionString?: string
  /** Operator's 20-byte TAU address; settlements must be paid to it. @default undefined (imports rejected) */
  operatorAddress?: Uint8Array
  /** @default DEFAULT_FREE_QUOTA_BYTES */
  freeQuotaBytes?: number
  /** @default DEFAULT_FREE_QUOTA_PERIOD_MS */
  freeQuotaPeriodMs?: number
  /** Operations waiting before `LedgerBusyError`. @default DEFAULT_MAX_QUEUED_OPERATIONS */
  maxQueuedOperations?: number
  /** Operations applied in one transaction. @default DEFAULT_MAX_OPERATIONS_PER_GROUP */
  maxOperationsPerGroup?: number
  /** @default DEFAULT_MAX_TRANSACTION_ATTEMPTS */
  maxTransactionAttempts?: number
  /** Isolation of ledger writes; both are sound for these transactions (DESIGN-NOTES.md). @default 'serializable' */
  isolation?: LedgerIsolation
  /** @default DEFAULT_MAX_STATEMENT_ENTRIES */
  maxStatementEntries?: number
  /** @default DEFAULT_POSTGRES_POOL_SIZE */
  poolSize?: number
  /** @default DEFAULT_STATEMENT_TIMEOUT_MS */
  statementTimeoutMs?: number
  /** @default Date.now */
  now?: () => number
}

const hexOf = (bytes: Uint8Array): string => bytesToString(bytes, 'base16')

/** Planners never touch `ctx.db` directly; this makes sure of it. */
const NO_DATABASE: LedgerDatabase = {
  get: async () => assert.fail('planners read through ctx.reader'),
  batch: async () => assert.fail('planners do not write'),
  iterator: () => assert.fail('planners do not iterate')
}

/** The PostgreSQL ledger of one fleet node. */
export class PostgresLedger implements LedgerBackend, ExternalLogLedger {
  readonly logsExternally = true as const
  readonly nodeId: Uint8Array
  private readonly components: PostgresLedgerComponents
  private readonly init: PostgresLedgerInit
  private readonly writer: GroupWriter
  /** Requests whose charge this node is logging now: the reconcile leaves them alone. */
  private readonly logging = new Set<string>()
  /** Requests whose operation lost its connection: their hold may be open. */
  private readonly uncertain = new Map<string, Uint8Array>()
  private readonly now: () => number
  private pool: Pool | undefined
  private writeBack: SeqWriteBack | undefined
  private started = false

  constructor (components: PostgresLedgerComponents, init: PostgresLedgerInit) {
    this.components = components
    this.init = init
    this.nodeId = init.nodeId
    this.now = init.now ?? Date.now
    this.writer = new GroupWriter(() => this.db, {
      maxQueued: init.maxQueuedOperations ?? DEFAULT_MAX_QUEUED_OPERATIONS,
      maxOperationsPerGroup: init.maxOperationsPerGroup ?? DEFAULT_MAX_OPERATIONS_PER_GROUP,
      maxAttempts: init.maxTransactionAttempts ?? DEFAULT_MAX_TRANSACTION_ATTEMPTS,
      isolation: init.isolation ?? 'serializable'
    })
    if (init.operatorAddress !== undefined) checkAddress(init.operatorAddress, 'operatorAddress')
  }

  /** Opens the pool (unless given) and applies pending schema migrations. Idempotent. */
  async start (): Promise<void> {
    if (this.started) return
    if (this.pool === undefined) {
      assert(this.components.pool !== undefined || this.init.connectionString !== undefined, 'PostgresLedger needs a pool or a connectionString')
      const pool = this.components.pool ?? new pg.Pool({
        connectionString: this.init.connectionString,
        max: this.init.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
        connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
        statement_timeout: this.init.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS
      })
      // an idle connection dropped by a database restart is reported here; unhandled it would kill the process
      pool.on('error', () => {})
      this.pool = pool
    }
    try {
      await migrate(this.pool, this.now())
    } catch (err: unknown) {
      if (this.components.pool === undefined) await this.pool.end()
      this.pool = undefined
      throw isUnavailable(err) ? unavailable(err, false) : err
    }
    this.writeBack = new SeqWriteBack(this.pool, this.nodeId)
    this.started = true
  }

  /** Waits for running operations and seq write-backs, then ends the pool if the ledger opened it. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.writer.drain()
    await this.writeBack?.flush()
    if (this.components.pool === undefined) await this.pool?.end()
    this.pool = undefined
  }

  private get db (): Pool {
    assert(this.started && this.pool !== undefined, 'ledger used before start()')
    return this.pool
  }

  private context (client: PoolClient, nextJournalSeq: number): LedgerContext {
    return {
      db: NO_DATABASE,
      reader: new RowReader(client),
      operator: this.init.operatorAddress,
      freeQuotaBytes: this.init.freeQuotaBytes ?? DEFAULT_FREE_QUOTA_BYTES,
      freeQuotaPeriodMs: this.init.freeQuotaPeriodMs ?? DEFAULT_FREE_QUOTA_PERIOD_MS,
      nextJournalSeq
    }
  }

  /** Plans and applies one operation in the writer's next group transaction. */
  private async operate<T> (journals: boolean, plan: (ctx: LedgerContext) => Promise<Planned<T>>, extra?: (client: PoolClient) => Promise<void>): Promise<Planned<T>> {
    assert(this.started, 'ledger used before start()')
    return this.writer.run(async (client) => {
      // journal seqs come in blocks from a sequence: gaps are allowed, duplicates are not
      const seq = journals ? Number((await client.query<{ n: string }>('SELECT nextval(\'ledger_journal_block\') AS n')).rows[0].n) * JOURNAL_SEQS_PER_BLOCK : Number.NaN
      const planned = await plan(this.context(client, seq))
      if (planned.writes !== undefined) {
        await applyWrites(client, planned.writes.ops, this.nodeId)
        await extra?.(client)
      }
      return planned
    })
  }

  /** Runs a request's operation; a lost connection marks the request uncertain (its hold may stay open). */
  private async forRequest<T> (requestId: Uint8Array, op: () => Promise<T>): Promise<T> {
    try {
      return await op()
    } catch (err: unknown) {
      if (isUnavailable(err) && requestId instanceof Uint8Array) this.uncertain.set(hexOf(requestId), requestId)
      throw err
    }
  }

  /** Holds min(maxCharge, available) nanoTAU and free-quota bytes for a request. */
  async openHold (args: OpenHoldArgs): Promise<Hold> {
    return (await this.forRequest(args.requestId, async () => this.operate(false, async (ctx) => planOpenHold(ctx, args, args.nowMs ?? this.now())))).result
  }

  /** Charges a held request; `extraBatchOps` are refused (LevelDB only: use `settleLogged`). */
  async settle (args: SettleArgs): Promise<RequestOutcome> {
    assert((args.extraBatchOps ?? []).length === 0, 'the PostgreSQL ledger cannot share a LevelDB batch; the transfer log uses settleLogged()')
    return (await this.forRequest(args.requestId, async () => this.operate(true, async (ctx) => planSettle(ctx, args, args.nowMs ?? this.now())))).result
  }

  /** Charges a held request and stores its pending transfer record with the charge, for this node to log. */
  async settleLogged (args: SettleArgs, pendingRecord: Uint8Array, logFloor: number): Promise<LoggedSettle> {
    assert((args.extraBatchOps ?? []).length === 0, 'extraBatchOps on the PostgreSQL ledger')
    const id = hexOf(args.requestId)
    this.logging.add(id)
    try {
      const planned = await this.forRequest(args.requestId, async () => this.operate(true, async (ctx) => planSettle(ctx, args, args.nowMs ?? this.now()), async (client) => {
        await client.query('INSERT INTO ledger_charges (request_id, node_id, record, log_floor) VALUES ($1, $2, $3, $4)',
          [bytea(args.requestId), bytea(this.nodeId), bytea(pendingRecord), String(logFloor)])
      }))
      return { outcome: planned.result, charged: planned.writes !== undefined }
    } catch (err: unknown) {
      this.logging.delete(id)
      throw err
    }
  }

  /** The node logged (or failed to log) a charge; the seq is written back in the background. */
  markLogged (requestId: Uint8Array, seq: number | undefined): void {
    const id = hexOf(requestId)
    if (seq === undefined || this.writeBack === undefined) {
      this.logging.delete(id)
      return
    }
    this.writeBack.push(requestId, seq, () => { this.logging.delete(id) })
  }

  /** Releases a hold without charging it. */
  async releaseHold (requestId: Uint8Array, nowMs?: number): Promise<RequestOutcome> {
    const { result } = await this.forRequest(requestId, async () => this.operate(false, async (ctx) => planRelease(ctx, requestId, nowMs ?? this.now())))
    if (requestId instanceof Uint8Array) this.uncertain.delete(hexOf(requestId))
    return result
  }

  /** Releases every open hold of THIS node (run on start, after a crash); returns how many. */
  async recoverOpenHolds (nowMs?: number): Promise<number> {
    let released = 0
    for (;;) {
      const { rows } = await this.db.query('SELECT request_id FROM ledger_holds WHERE node_id = $1 ORDER BY request_id LIMIT $2', [bytea(this.nodeId), RECOVERY_BATCH_HOLDS])
      await Promise.all(rows.map(async (r) => this.releaseHold(bytesOf(r.request_id), nowMs)))
      released += rows.length
      if (rows.length < RECOVERY_BATCH_HOLDS) return released
    }
  }

  /**
   * Resolves requests whose operation lost its connection: releases the hold if one is still open
   * (a settled or never-opened one is left as it is). Stops at the first lost connection; returns
   * how many requests were resolved.
   */
  async releaseUncertainHolds (nowMs?: number): Promise<number> {
    let resolved = 0
    for (const [id, requestId] of [...this.uncertain]) {
      try {
        await this.releaseHold(requestId, nowMs)
      } catch (err: unknown) {
        // HoldNotFoundError (never opened), RequestIdReusedError (settled): nothing is held
        if (isUnavailable(err)) return resolved
      }
      this.uncertain.delete(id)
      resolved++
    }
    return resolved
  }

  /** Requests whose hold may still be open after a lost connection. */
  get uncertainRequests (): number {
    return this.uncertain.size
  }

  /** This node's charges not yet known to be in its log (excluding those being logged now), oldest floor first. */
  async unloggedCharges (): Promise<Array<{ requestId: Uint8Array, record: Uint8Array, logFloor: number }>> {
    const { rows } = await this.db.query('SELECT request_id, record, log_floor FROM ledger_charges WHERE node_id = $1 AND log_seq IS NULL ORDER BY log_floor LIMIT $2',
      [bytea(this.nodeId), UNLOGGED_CHARGES_PER_ROUND])
    return rows.map((r) => ({ requestId: bytesOf(r.request_id), record: bytesOf(r.record), logFloor: uintOf(r.log_floor) }))
      .filter((c) => !this.logging.has(hexOf(c.requestId)))
  }

  /** Writes back log seqs now (the reconcile's path). */
  async recordSeqs (entries: ReadonlyArray<{ requestId: Uint8Array, seq: number }>): Promise<void> {
    await writeBackSeqs(this.db, this.nodeId, entries)
  }

  /** Whether this node is logging `requestId` right now. */
  isLogging (requestId: Uint8Array): boolean {
    return this.logging.has(hexOf(requestId))
  }

  /** Imports a signed settlement transaction; idempotent by txid. */
  async creditSettlement (tx: SettlementTx | Uint8Array, nowMs?: number): Promise<SettlementImport> {
    return (await this.operate(true, async (ctx) => planSettlement(ctx, tx, nowMs ?? this.now()))).result
  }

  /** Credits seeding credit earned by a target peer. */
  async creditSeeding (args: SeedingCreditArgs): Promise<SeedingCredit> {
    return (await this.operate(true, async (ctx) => planSeedingCredit(ctx, args, args.nowMs ?? this.now()))).result
  }

  /** The account of `address`, or undefined if the ledger has never seen it. */
  async account (address: Uint8Array): Promise<AccountView | undefined> {
    const checked = checkAddress(address, 'address')
    const { rows } = await this.db.query(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE address = $1`, [bytea(checked)])
    return rows.length === 0 ? undefined : accountView(checked, accountFromRow(rows[0]))
  }

  /** Every account, in address order (read a page at a time). */
  async * accounts (): AsyncGenerator<AccountView> {
    let after: Uint8Array = new Uint8Array(0)
    for (;;) {
      const { rows } = await this.db.query(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE address > $1 ORDER BY address LIMIT $2`, [bytea(after), ACCOUNTS_PAGE_ROWS])
      for (const r of rows) yield accountView(bytesOf(r.address), accountFromRow(r))
      if (rows.length < ACCOUNTS_PAGE_ROWS) return
      after = bytesOf(rows[rows.length - 1].address)
    }
  }

  /** A statement of `address`'s credits and charges in `[fromMs, toMs)`, signed with `signerPrivateKey`. */
  async statement (address: Uint8Array, range: StatementRange, signerPrivateKey: Uint8Array): Promise<Statement> {
    return buildPostgresStatement(this.db, address, range, signerPrivateKey, this.now(), this.init.maxStatementEntries ?? DEFAULT_MAX_STATEMENT_ENTRIES)
  }

  /** Recomputes every invariant from one snapshot; with `logDb`, also this node's log against its charges. */
  async check (): Promise<LedgerCheckReport> {
    return checkPostgresLedger(this.db, {
      maxAttempts: this.init.maxTransactionAttempts ?? DEFAULT_MAX_TRANSACTION_ATTEMPTS,
      node: this.components.logDb === undefined ? undefined : { nodeId: this.nodeId, logDb: this.components.logDb, isLogging: (id) => this.isLogging(id) }
    })
  }
}
