/**
 * The ledger (DESIGN.md §5.3): accounts, holds, free quota, seeding credit, request outcomes and
 * settlement imports in one classic-level database. Every operation runs through one single
 * writer (ledger-writer.ts): operations are planned one after another against a working view, so
 * read → check → write is never interleaved, and the writes of every operation planned in one pass
 * commit as one atomic batch; a rejected operation writes nothing. Key space: ledger-keys.ts.
 * Records: ledger-codec.ts.
 *
 * Durability: settlement imports are written with `sync: true` (an operator's import must never
 * be lost once acknowledged); holds, charges and seeding credits with `sync: false` by default,
 * because the transfer log's group-committed head write (`sync: true`) flushes LevelDB's log,
 * which carries every earlier write, before any receipt is returned; a lost hold is a released one.
 *
 * **Guarantees** (each has a test in test/integration/ledger*.test.ts):
 * - balances and seeding credits never go below zero;
 * - sum of balances and seeding credits = credits − charges (recomputed by `check()`);
 * - an open hold never exceeds what the address can pay (balance + seeding credit);
 * - a request id is charged at most once; a different request under a seen id is rejected;
 * - a charge and the caller's `extraBatchOps` (the transfer log's pending record) commit together;
 * - after a crash, `recoverOpenHolds()` releases every open hold without charging it;
 * - settlement imports are idempotent by txid; a rejection changes nothing.
 */
import assert from 'node:assert'
import { ClassicLevel } from 'classic-level'
import { LedgerCorruptError } from './errors.js'
import { accountKey, holdKey, LEDGER_SCHEMA_VERSION, META_JOURNAL_SEQ, META_SCHEMA, metaKey, outcomeKey, PREFIX, prefixRange } from './ledger-keys.js'
import { decodeAccount, decodeUint, encodeRecord } from './ledger-codec.js'
import { availableNanoTau, checkAddress, freeQuotaAvailableBytes, readAccount } from './ledger-state.js'
import { planOpenHold, planRelease, planSettle } from './ledger-holds.js'
import { planSeedingCredit, planSettlement } from './ledger-credits.js'
import { buildStatement, DEFAULT_MAX_STATEMENT_ENTRIES } from './ledger-statement.js'
import { checkLedger } from './ledger-check.js'
import { DEFAULT_MAX_QUEUED_OPERATIONS } from './serial-queue.js'
import { LedgerWriter } from './ledger-writer.js'
import type { AccountRecord } from './ledger-codec.js'
import type { LedgerContext, LedgerDatabase } from './ledger-state.js'
import type { Hold, OpenHoldArgs, Planned, RequestOutcome, SettleArgs } from './ledger-holds.js'
import type { SeedingCredit, SeedingCreditArgs, SettlementImport } from './ledger-credits.js'
import type { Statement, StatementRange } from './ledger-statement.js'
import type { LedgerCheckReport } from './ledger-check.js'
import type { SettlementTx } from './settlement-tx.js'
import type { LedgerBackend } from './ledger-api.js'

/** The seed's default free quota of a new TAU address: 1 GiB (DESIGN.md §5.1). */
export const DEFAULT_FREE_QUOTA_BYTES = 2 ** 30
/** Free quota period: 0 = granted once per address (DESIGN.md §5.1). */
export const DEFAULT_FREE_QUOTA_PERIOD_MS = 0
/** Holds released per batch by `recoverOpenHolds()`; bounds one batch's size. */
export const RECOVERY_BATCH_HOLDS = 256

/** What the ledger uses. */
export interface LedgerComponents {
  /** The database: classic-level (or a sublevel) with `view` key and value encodings. */
  db: LedgerDatabase
}

/** Ledger settings, each optional. */
export interface LedgerInit {
  /** Operator's 20-byte TAU address; settlements must be paid to it. @default undefined (imports rejected) */
  operatorAddress?: Uint8Array
  /** Free quota of a new address and of each period, in bytes. @default DEFAULT_FREE_QUOTA_BYTES */
  freeQuotaBytes?: number
  /** Free quota period in ms; 0 = once per address. @default 0 */
  freeQuotaPeriodMs?: number
  /** Operations that may wait before `LedgerBusyError`. @default DEFAULT_MAX_QUEUED_OPERATIONS */
  maxQueuedOperations?: number
  /** Operations committed in one batch. @default DEFAULT_MAX_OPERATIONS_PER_PASS */
  maxOperationsPerBatch?: number
  /** Account, hold and outcome records kept in memory by the writer. @default DEFAULT_LEDGER_CACHE_ENTRIES */
  cacheEntries?: number
  /** fsync every charge and seeding credit batch instead of relying on the log's group commit. @default false */
  syncCharges?: boolean
  /** Most entries in one statement. @default DEFAULT_MAX_STATEMENT_ENTRIES */
  maxStatementEntries?: number
  /** Clock for operations that are not given `nowMs`. @default Date.now */
  now?: () => number
}

/** Public view of one account. */
export interface AccountView extends AccountRecord {
  address: Uint8Array
  /** What a new hold could take: balance + seeding credit − open holds. */
  availableNanoTau: bigint
  /** Free-quota bytes neither used nor held. */
  freeQuotaAvailableBytes: number
}

/** The keys an operation on `requestId` reads first (prefetched for the whole pass). */
function requestKeys (requestId: Uint8Array): Uint8Array[] {
  return requestId instanceof Uint8Array ? [outcomeKey(requestId), holdKey(requestId)] : []
}

function view (address: Uint8Array, account: AccountRecord): AccountView {
  return { ...account, address, availableNanoTau: availableNanoTau(account), freeQuotaAvailableBytes: freeQuotaAvailableBytes(account) }
}

/** The LevelDB ledger. */
export class Ledger implements LedgerBackend {
  private readonly ctx: LedgerContext
  private readonly writer: LedgerWriter
  private readonly now: () => number
  private readonly syncCharges: boolean
  private readonly maxStatementEntries: number
  /** The database, when the ledger opened it itself (and so closes it). */
  private owned?: ClassicLevel<Uint8Array, Uint8Array>
  private started = false

  constructor (components: LedgerComponents, init: LedgerInit = {}) {
    this.ctx = {
      db: components.db,
      reader: components.db,
      operator: init.operatorAddress === undefined ? undefined : checkAddress(init.operatorAddress, 'operatorAddress'),
      freeQuotaBytes: init.freeQuotaBytes ?? DEFAULT_FREE_QUOTA_BYTES,
      freeQuotaPeriodMs: init.freeQuotaPeriodMs ?? DEFAULT_FREE_QUOTA_PERIOD_MS,
      nextJournalSeq: 0
    }
    this.writer = new LedgerWriter(this.ctx, {
      maxQueued: init.maxQueuedOperations ?? DEFAULT_MAX_QUEUED_OPERATIONS,
      maxOperationsPerPass: init.maxOperationsPerBatch,
      cacheEntries: init.cacheEntries
    })
    // plans read through the writer's view: this pass's writes, then cached committed records
    this.ctx.reader = this.writer
    this.now = init.now ?? Date.now
    this.syncCharges = init.syncCharges ?? false
    this.maxStatementEntries = init.maxStatementEntries ?? DEFAULT_MAX_STATEMENT_ENTRIES
  }

  /** Opens (creating if needed) a classic-level database at `path` and starts a ledger on it. */
  static async open (path: string, init: LedgerInit = {}): Promise<Ledger> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    const ledger = new Ledger({ db }, init)
    ledger.owned = db
    try {
      await ledger.start()
    } catch (err: unknown) {
      await db.close()
      throw err
    }
    return ledger
  }

  /** Reads the journal position and writes the schema version on first use. Idempotent. */
  async start (): Promise<void> {
    if (this.started) return
    const seqKey = metaKey(META_JOURNAL_SEQ)
    const seq = await this.ctx.db.get(seqKey)
    this.ctx.nextJournalSeq = seq === undefined ? 0 : decodeUint(seqKey, seq)
    const schemaKey = metaKey(META_SCHEMA)
    const schema = await this.ctx.db.get(schemaKey)
    if (schema === undefined) {
      await this.ctx.db.batch([{ type: 'put', key: schemaKey, value: encodeRecord(LEDGER_SCHEMA_VERSION) }], { sync: true })
    } else if (decodeUint(schemaKey, schema) !== LEDGER_SCHEMA_VERSION) {
      throw new LedgerCorruptError('meta/schema', `schema ${decodeUint(schemaKey, schema)} is not ${LEDGER_SCHEMA_VERSION}; migrate first`)
    }
    this.started = true
  }

  /** Waits for queued operations, then closes the database if the ledger opened it. Idempotent. */
  async stop (): Promise<void> {
    await this.writer.drain()
    this.writer.forget()
    this.started = false
    if (this.owned !== undefined && this.owned.status === 'open') await this.owned.close()
  }

  private async commit<T> (plan: () => Promise<Planned<T>>, prefetch: Uint8Array[], sync: boolean): Promise<T> {
    // before start() the journal position is unknown: writing would overwrite journal entries
    assert(this.started, 'ledger used before start()')
    return this.writer.operate(plan, prefetch, sync)
  }

  /** Holds min(maxCharge, available) nanoTAU and free-quota bytes for a request. */
  async openHold (args: OpenHoldArgs): Promise<Hold> {
    const keys = requestKeys(args.requestId)
    if (args.payer instanceof Uint8Array) keys.push(accountKey(args.payer))
    return this.commit(async () => planOpenHold(this.ctx, args, args.nowMs ?? this.now()), keys, false)
  }

  /** Charges a held request in one batch with `extraBatchOps`; a repeat of the same settle returns the stored outcome. */
  async settle (args: SettleArgs): Promise<RequestOutcome> {
    return this.commit(async () => planSettle(this.ctx, args, args.nowMs ?? this.now()), requestKeys(args.requestId), this.syncCharges)
  }

  /** Releases a hold without charging it. */
  async releaseHold (requestId: Uint8Array, nowMs?: number): Promise<RequestOutcome> {
    return this.commit(async () => planRelease(this.ctx, requestId, nowMs ?? this.now()), requestKeys(requestId), false)
  }

  /** Releases every open hold (run on start, after a crash); returns how many were released. */
  async recoverOpenHolds (nowMs?: number): Promise<number> {
    assert(this.started, 'ledger used before start()')
    let released = 0
    for (;;) {
      const ids = await this.writer.exclusive(async () => {
        const found: Uint8Array[] = []
        for await (const [key] of this.ctx.db.iterator(prefixRange(PREFIX.HOLD))) {
          found.push(new Uint8Array(key.subarray(1)))
          if (found.length === RECOVERY_BATCH_HOLDS) break
        }
        return found
      })
      // released in one pass: two holds of one payer see each other's account update in the view
      await Promise.all(ids.map(async (id) => this.releaseHold(id, nowMs)))
      released += ids.length
      if (ids.length < RECOVERY_BATCH_HOLDS) return released
    }
  }

  /** Imports a signed settlement transaction (object or DAG-CBOR bytes); idempotent by txid; fsynced. */
  async creditSettlement (tx: SettlementTx | Uint8Array, nowMs?: number): Promise<SettlementImport> {
    return this.commit(async () => planSettlement(this.ctx, tx, nowMs ?? this.now()), [], true)
  }

  /** Credits seeding credit earned by a target peer. */
  async creditSeeding (args: SeedingCreditArgs): Promise<SeedingCredit> {
    return this.commit(async () => planSeedingCredit(this.ctx, args, args.nowMs ?? this.now()), [], this.syncCharges)
  }

  /** The account of `address`, or undefined if the ledger has never seen it. */
  async account (address: Uint8Array): Promise<AccountView | undefined> {
    const checked = checkAddress(address, 'address')
    // the database, not the writer's view: it holds exactly the committed batches
    const account = await readAccount(this.ctx.db, checked)
    return account === undefined ? undefined : view(checked, account)
  }

  /** Every account, in address order. */
  async * accounts (): AsyncGenerator<AccountView> {
    for await (const [key, value] of this.ctx.db.iterator(prefixRange(PREFIX.ACCOUNT))) {
      yield view(new Uint8Array(key.subarray(1)), decodeAccount(key, value))
    }
  }

  /** A statement of `address`'s credits and charges in `[fromMs, toMs)`, signed with `signerPrivateKey`. */
  async statement (address: Uint8Array, range: StatementRange, signerPrivateKey: Uint8Array): Promise<Statement> {
    // queued so that a statement never sees half of a concurrent batch across its reads
    return this.writer.exclusive(async () => buildStatement(this.ctx, address, range, signerPrivateKey, this.now(), this.maxStatementEntries))
  }

  /** Recomputes every invariant from the raw key space (queued, so it sees one consistent state). */
  async check (): Promise<LedgerCheckReport> {
    return this.writer.exclusive(async () => checkLedger(this.ctx.db))
  }
}
