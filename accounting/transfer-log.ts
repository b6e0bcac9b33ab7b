/**
 * The transfer log (DESIGN.md §5.4): a Filecoin HAMT v3 of `seq (8-byte BE) -> TransferRecord` in
 * the ledger's LevelDB, committed in group commits under signed, chained log heads.
 *
 * How a charge is logged: `pendingRecordOps(record)` gives the write of a pending record
 * (`0x10 ‖ requestId`, no seq yet) that goes into the ledger's settle batch (`extraBatchOps`), so
 * the debit and the pending record commit atomically or not at all. `commit(requestId)` then waits
 * for the group commit that assigns the record its seq and returns the receipt. `settle(args,
 * record)` does both. Seqs are assigned only by the committer, from the previous head's `count`, in
 * the batch that writes the new head: seq is gapless by construction and no failed or rejected
 * settle can burn one. The committer reads each record back from the database before logging it,
 * so nothing is logged that was not charged.
 *
 * Group commit: when idle, a `commit()` starts a commit at once; every `commit()` arriving while a
 * commit runs joins the next one (up to `maxRecordsPerCommit`). `start()` finishes every pending
 * record left by a crash before the log takes new commits.
 *
 * **Guarantees** (each has a test in test/integration/transfer-log*.test.ts and crash-harness.test.ts):
 * - a transfer is charged if and only if its record is in the log (pending or committed);
 * - seqs are 0..count−1 with no gap and no duplicate; each request id is logged at most once;
 * - heads are numbered 0, 1, 2, …, each `prev` is the CID of the one before, `count` grows;
 * - a receipt is returned only after the head containing its record is fsynced, and that fsync
 *   covers every earlier charge batch;
 * - after kill -9, `start()` commits every pending record and the invariants hold (`checkTransferLog`);
 * - a failed commit (a full disk) writes nothing; its records stay pending for a later commit.
 */
import assert from 'node:assert'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { Hamt } from '../protocol/hamt/hamt.js'
import { decodeLogHead, logHeadCid } from '../protocol/log-head.js'
import { transferLogKey, transferRecordFromNode } from '../protocol/transfer-record.js'
import {
  LogCommitFailedError, TransferLogBusyError, TransferLogCorruptError, TransferLogNotRunningError,
  TransferRecordMismatchError, TransferRecordNotPendingError
} from './errors.js'
import { LevelBlockStore } from './level-block-store.js'
import { isExternalLogLedger } from './ledger-api.js'
import { settleExternally } from './ledger-postgres/fleet-log.js'
import { bytesEqual, hex } from './ledger-state.js'
import { toStorageError, withStorageErrors } from './storage-error.js'
import { writeCommit } from './transfer-log-commit.js'
import { buildLogProof, LogProofBuilder } from './transfer-log-proof.js'
import { encodePendingRecord, LOG_META_HEAD, logHeadRange, logMetaKey, pendingKey, pendingRange, readPendingRecord, TRANSFER_LOG_HAMT_OPTIONS } from './transfer-log-keys.js'
import type { LogState, PendingEntry } from './transfer-log-commit.js'
import type { StoredLogHead } from './transfer-log-proof.js'
import type { UnsequencedRecord } from './transfer-log-keys.js'
import type { LedgerBatchOp, LedgerDatabase } from './ledger-state.js'
import type { RequestOutcome, SettleArgs } from './ledger-holds.js'
import type { TransferLogTracer } from './tracer.js'
import type { HamtOptions } from '../protocol/hamt/types.js'
import type { LogHead } from '../protocol/log-head.js'
import type { TransferRecord } from '../protocol/transfer-record.js'

/** Records in one group commit; a 1,000-record commit took ~40 ms here (ledger.bench), so 4,096 stays well under a second. */
export const DEFAULT_MAX_RECORDS_PER_COMMIT = 4096
/** Records that may wait for a commit before `TransferLogBusyError`: 4× the ledger's queue bound of 1,024. */
export const DEFAULT_MAX_QUEUED_RECORDS = 4096

/** The database: the ledger's classic-level (needs `getMany` besides the ledger's methods). */
export interface TransferLogDatabase extends LedgerDatabase {
  getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>
}

/** What the log uses; `ledger` only for `settle()`. */
export interface TransferLogComponents {
  db: TransferLogDatabase
  ledger?: { settle: (args: SettleArgs) => Promise<RequestOutcome> }
}

/** Transfer log settings. */
export interface TransferLogInit {
  /** Peer id bytes of this relay node, named in every head. */
  relayPeerId: Uint8Array
  /** The relay's 32-byte TAU private key, which signs every head. */
  tauPrivateKey: Uint8Array
  tracer?: TransferLogTracer
  /** Clock for head timestamps. @default Date.now */
  now?: () => number
  /** @default DEFAULT_MAX_RECORDS_PER_COMMIT */
  maxRecordsPerCommit?: number
  /** @default DEFAULT_MAX_QUEUED_RECORDS */
  maxQueuedRecords?: number
  /** HAMT options of the log; verifiers must use the same. @default TRANSFER_LOG_HAMT_OPTIONS */
  hamt?: HamtOptions
}

/** A receipt: the record, the signed head containing it, the head's CID (log root) and the proof CAR. */
export interface LogReceipt {
  record: TransferRecord
  head: LogHead
  headCid: CID
  proof: Uint8Array
}

interface Waiter {
  resolve: (value: { record: TransferRecord, head: StoredLogHead }) => void
  reject: (err: Error) => void
}

interface Queued { requestId: Uint8Array, waiters: Waiter[] }

/** The transfer log of one relay node. */
export class TransferLog {
  private readonly components: TransferLogComponents
  private readonly init: Required<Pick<TransferLogInit, 'relayPeerId' | 'tauPrivateKey' | 'now' | 'maxRecordsPerCommit' | 'maxQueuedRecords'>> & TransferLogInit
  private readonly store: LevelBlockStore
  private state: LogState | undefined
  private readonly queued = new Map<string, Queued>()
  private running: Promise<void> | undefined
  private accepting = false
  /** Proofs under the newest head, shared by that commit's receipts. */
  private proofs: LogProofBuilder | undefined

  constructor (components: TransferLogComponents, init: TransferLogInit) {
    this.components = components
    this.init = {
      ...init,
      now: init.now ?? Date.now,
      maxRecordsPerCommit: init.maxRecordsPerCommit ?? DEFAULT_MAX_RECORDS_PER_COMMIT,
      maxQueuedRecords: init.maxQueuedRecords ?? DEFAULT_MAX_QUEUED_RECORDS,
      hamt: init.hamt ?? TRANSFER_LOG_HAMT_OPTIONS
    }
    this.store = new LevelBlockStore({ db: components.db })
  }

  /** Loads the newest head and commits every record left pending by a crash. Idempotent. */
  async start (): Promise<void> {
    if (this.state !== undefined) return
    const db = this.components.db
    const hamtOptions = this.init.hamt ?? {}
    const head = await withStorageErrors(async () => this.loadNewestHead())
    const hamt = head === undefined ? await Hamt.create(this.store, hamtOptions) : await Hamt.load(this.store, head.head.hamt, hamtOptions)
    this.state = { db, store: this.store, hamt, head, hamtOptions }
    this.accepting = true
    // restart finishes any pending commit: everything under 0x10 was charged and must be logged
    for (;;) {
      const ids: Uint8Array[] = []
      for await (const [key] of db.iterator(pendingRange())) {
        ids.push(new Uint8Array(key.subarray(1)))
        if (ids.length === this.init.maxRecordsPerCommit) break
      }
      if (ids.length === 0) return
      await Promise.all(ids.map(async (id) => this.enqueue(id)))
    }
  }

  /** Stops taking commits and waits for the queued ones. Idempotent. */
  async stop (): Promise<void> {
    this.accepting = false
    await this.running
    this.state = undefined
  }

  /** The settle-batch write of `record`'s pending entry (checked now; its seq, if any, is ignored). */
  pendingRecordOps (record: UnsequencedRecord): LedgerBatchOp[] {
    return [{ type: 'put', key: pendingKey(record.requestId), value: encodePendingRecord(record) }]
  }

  /** Charges a held request and logs its record in the same batch, then waits for its receipt. */
  async settle (args: SettleArgs, record: UnsequencedRecord): Promise<{ outcome: RequestOutcome, receipt: LogReceipt }> {
    const ledger = this.components.ledger
    assert(ledger !== undefined, 'TransferLog.settle needs components.ledger')
    if (!bytesEqual(record.requestId, args.requestId)) throw new TransferRecordMismatchError('requestId')
    if (record.charge !== args.chargeNanoTau) throw new TransferRecordMismatchError('charge')
    if (record.freeBytes !== args.freeBytesUsed) throw new TransferRecordMismatchError('freeBytes')
    if (!this.accepting) throw new TransferLogNotRunningError()
    // a ledger in another database (a fleet's PostgreSQL) cannot share this batch: ledger-postgres/fleet-log.ts
    if (isExternalLogLedger(ledger)) return settleExternally(this, this.components.db, ledger, args, record)
    const extraBatchOps = [...(args.extraBatchOps ?? []), ...this.pendingRecordOps(record)]
    const outcome = await withStorageErrors(async () => ledger.settle({ ...args, extraBatchOps }))
    return { outcome, receipt: await this.commit(args.requestId) }
  }

  /** Waits for the group commit that logs the pending record of `requestId`; returns its receipt. */
  async commit (requestId: Uint8Array): Promise<LogReceipt> {
    const { record, head } = await this.enqueue(requestId)
    if (this.proofs === undefined || !this.proofs.stored.cid.equals(head.cid)) this.proofs = new LogProofBuilder(this.store, head, this.init.hamt)
    return { record, head: head.head, headCid: head.cid, proof: await this.proofs.build(record.seq) }
  }

  /** The newest committed head, or undefined before the first commit. */
  async head (): Promise<StoredLogHead | undefined> {
    return this.state === undefined ? this.loadNewestHead() : this.state.head
  }

  /** The inclusion proof CAR of record `seq` under the newest head, or undefined if there is no such record. */
  async proof (seq: number): Promise<Uint8Array | undefined> {
    const head = await this.head()
    if (head === undefined || !Number.isSafeInteger(seq) || seq < 0 || seq >= head.head.count) return undefined
    return (await buildLogProof(this.store, head, seq, this.init.hamt)).car
  }

  /** The exclusion proof CAR of `seq` (≥ count) under the newest head, or undefined if `seq` is logged or no head exists. */
  async exclusionProof (seq: number): Promise<Uint8Array | undefined> {
    const head = await this.head()
    if (head === undefined || !Number.isSafeInteger(seq) || seq < head.head.count) return undefined
    const { car, result } = await buildLogProof(this.store, head, seq, this.init.hamt)
    assert(!result.found, 'a seq at or past count is in the HAMT')
    return car
  }

  /** The committed record `seq`, or undefined. */
  async recordAt (seq: number): Promise<TransferRecord | undefined> {
    const head = await this.head()
    if (head === undefined || !Number.isSafeInteger(seq) || seq < 0 || seq >= head.head.count) return undefined
    const hamt = await Hamt.load(this.store, head.head.hamt, this.init.hamt)
    return transferRecordFromNode(await hamt.get(transferLogKey(seq)))
  }

  /** Every committed head, oldest first. */
  async * heads (): AsyncGenerator<StoredLogHead> {
    for await (const [, value] of this.components.db.iterator(logHeadRange())) yield await this.readHead(CID.decode(value))
  }

  private async loadNewestHead (): Promise<StoredLogHead | undefined> {
    const bytes = await this.components.db.get(logMetaKey(LOG_META_HEAD))
    return bytes === undefined ? undefined : this.readHead(CID.decode(bytes))
  }

  private async readHead (cid: CID): Promise<StoredLogHead> {
    const bytes = await this.store.get(cid)
    if (bytes === undefined) throw new TransferLogCorruptError(`head block ${cid.toString()} is missing`)
    if (!equals(logHeadCid(bytes).bytes, cid.bytes)) throw new TransferLogCorruptError(`head block ${cid.toString()} does not hash to its CID`)
    return { head: decodeLogHead(bytes), bytes, cid }
  }

  private async enqueue (requestId: Uint8Array): Promise<{ record: TransferRecord, head: StoredLogHead }> {
    if (!this.accepting) throw new TransferLogNotRunningError()
    const id = hex(requestId)
    let queued = this.queued.get(id)
    if (queued === undefined) {
      if (this.queued.size >= this.init.maxQueuedRecords) throw new TransferLogBusyError(this.init.maxQueuedRecords)
      queued = { requestId, waiters: [] }
      this.queued.set(id, queued)
    }
    const waiters = queued.waiters
    const done = new Promise<{ record: TransferRecord, head: StoredLogHead }>((resolve, reject) => { waiters.push({ resolve, reject }) })
    this.running ??= this.drain().finally(() => { this.running = undefined })
    return done
  }

  /** Commits queued records, a group at a time, until none are left; never rejects. */
  private async drain (): Promise<void> {
    // one microtask of grace: commits requested in the same tick (a burst, the restart sweep) share a head
    await Promise.resolve()
    while (this.queued.size > 0) {
      const group: Queued[] = []
      for (const [id, queued] of this.queued) {
        this.queued.delete(id)
        group.push(queued)
        if (group.length === this.init.maxRecordsPerCommit) break
      }
      await this.commitGroup(group)
    }
  }

  private async commitGroup (group: Queued[]): Promise<void> {
    const state = this.state
    assert(state !== undefined, 'commits run only while started')
    const startedMs = performance.now()
    const fail = (queued: Queued, err: Error): void => { for (const w of queued.waiters) w.reject(err) }
    let values: Array<Uint8Array | undefined>
    try {
      values = await this.components.db.getMany(group.map((q) => pendingKey(q.requestId)))
    } catch (err: unknown) {
      this.init.tracer?.logCommitFailed()
      for (const q of group) fail(q, new LogCommitFailedError(group.length, undefined, { cause: toStorageError(err) }))
      return
    }
    const entries: PendingEntry[] = []
    const included: Queued[] = []
    group.forEach((queued, i) => {
      const bytes = values[i]
      if (bytes === undefined) return fail(queued, new TransferRecordNotPendingError(hex(queued.requestId)))
      let decoded
      try {
        decoded = readPendingRecord(bytes)
      } catch (err: unknown) {
        return fail(queued, new TransferLogCorruptError(`pending record ${hex(queued.requestId)}: ${err instanceof Error ? err.message : String(err)}`))
      }
      entries.push({ requestId: queued.requestId, ...decoded })
      included.push(queued)
    })
    if (entries.length === 0) return
    try {
      const { head, records } = await writeCommit(state, entries, { relayPeerId: this.init.relayPeerId, tauPrivateKey: this.init.tauPrivateKey, nowMs: this.init.now() })
      this.init.tracer?.logCommitted(records.length, performance.now() - startedMs)
      included.forEach((queued, i) => { for (const w of queued.waiters) w.resolve({ record: records[i], head }) })
    } catch (err: unknown) {
      this.init.tracer?.logCommitFailed()
      const cause = toStorageError(err)
      for (const q of included) fail(q, new LogCommitFailedError(entries.length, `transfer log commit of ${entries.length} records failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }))
    }
  }
}
