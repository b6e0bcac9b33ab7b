/**
 * The ledger's key space (ledger-keys.ts) over the PostgreSQL tables of schema.ts, so that the
 * PostgreSQL ledger runs the very planners of the LevelDB ledger (ledger-holds.ts,
 * ledger-credits.ts): `RowReader.get(key)` reads one row and hands it back as the record bytes
 * the planner would have read from LevelDB, and `applyWrites` turns a planned batch into SQL.
 * Derived keys (the address index, the journal position) are not stored: an index and a sequence
 * do their work. Rows are also turned back into records for check(), statements and accounts.
 */
import assert from 'node:assert'
import { PREFIX, readUint64 } from '../ledger-keys.js'
import { decodeAccount, decodeHold, decodeJournal, decodeOutcome, decodeSettlement, encodeRecord } from '../ledger-codec.js'
import type { AccountRecord, HoldRecord, JournalEntry, OutcomeRecord, SettlementRecord } from '../ledger-codec.js'
import type { LedgerBatchOp, LedgerReader } from '../ledger-state.js'

/** What runs SQL: a pool client inside a transaction (or the pool, for single statements). */
export interface Queryable {
  query: (text: string, values?: unknown[]) => Promise<{ rows: Row[], rowCount: number | null }>
}

/** A row as node-postgres returns it: bigint columns as decimal strings, bytea as Buffers. */
export type Row = Record<string, unknown>

/** Bytes as a Buffer view for a bytea parameter (no copy). */
export const bytea = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
/** A bytea column as a plain Uint8Array (a copy: dag-cbor and callers expect plain arrays). */
export const bytesOf = (value: unknown): Uint8Array => new Uint8Array(value as Buffer)
/** A bigint column as bigint. */
export const amountOf = (value: unknown): bigint => BigInt(value as string)
/** A bigint column holding a safe integer (bytes, ms, counts, seqs) as number. */
export const uintOf = (value: unknown): number => Number(value as string)

/** Columns of ledger_accounts, in AccountRecord order. */
export const ACCOUNT_COLUMNS = 'address, balance_nano_tau, seeding_credit_nano_tau, held_nano_tau, held_free_bytes, free_quota_bytes, free_quota_used_bytes, free_quota_period_start_ms, credited_nano_tau, seeded_nano_tau, charged_nano_tau, free_bytes_total, billable_bytes_total, settled_count, created_ms'

/** An account row as its record. */
export function accountFromRow (r: Row): AccountRecord {
  return {
    balanceNanoTau: amountOf(r.balance_nano_tau),
    seedingCreditNanoTau: amountOf(r.seeding_credit_nano_tau),
    heldNanoTau: amountOf(r.held_nano_tau),
    heldFreeBytes: uintOf(r.held_free_bytes),
    freeQuotaBytes: uintOf(r.free_quota_bytes),
    freeQuotaUsedBytes: uintOf(r.free_quota_used_bytes),
    freeQuotaPeriodStartMs: uintOf(r.free_quota_period_start_ms),
    creditedNanoTau: amountOf(r.credited_nano_tau),
    seededNanoTau: amountOf(r.seeded_nano_tau),
    chargedNanoTau: amountOf(r.charged_nano_tau),
    freeBytesTotal: uintOf(r.free_bytes_total),
    billableBytesTotal: uintOf(r.billable_bytes_total),
    settledCount: uintOf(r.settled_count),
    createdMs: uintOf(r.created_ms)
  }
}

/** A hold row as its record. */
export function holdFromRow (r: Row): HoldRecord {
  return {
    payer: bytesOf(r.payer),
    heldNanoTau: amountOf(r.held_nano_tau),
    heldFreeBytes: uintOf(r.held_free_bytes),
    maxChargeNanoTau: amountOf(r.max_charge_nano_tau),
    maxFreeBytes: uintOf(r.max_free_bytes),
    openedMs: uintOf(r.opened_ms)
  }
}

/** An outcome row as its record. */
export function outcomeFromRow (r: Row): OutcomeRecord {
  return {
    payer: bytesOf(r.payer),
    status: r.status as OutcomeRecord['status'],
    chargeNanoTau: amountOf(r.charge_nano_tau),
    fromSeedingNanoTau: amountOf(r.from_seeding_nano_tau),
    freeBytes: uintOf(r.free_bytes),
    billableBytes: uintOf(r.billable_bytes),
    journalSeq: uintOf(r.journal_seq),
    closedMs: uintOf(r.closed_ms)
  }
}

/** A journal row as its entry. */
export function journalFromRow (r: Row): JournalEntry {
  return {
    kind: r.kind as JournalEntry['kind'],
    address: bytesOf(r.address),
    amountNanoTau: amountOf(r.amount_nano_tau),
    fromSeedingNanoTau: amountOf(r.from_seeding_nano_tau),
    ref: bytesOf(r.ref),
    freeBytes: uintOf(r.free_bytes),
    billableBytes: uintOf(r.billable_bytes),
    tsMs: uintOf(r.ts_ms)
  }
}

/** A settlement row as its record. */
export function settlementFromRow (r: Row): SettlementRecord {
  return { tx: bytesOf(r.tx), journalSeq: uintOf(r.journal_seq), importedMs: uintOf(r.imported_ms) }
}

async function one (q: Queryable, text: string, values: unknown[]): Promise<Row | undefined> {
  const { rows } = await q.query(text, values)
  return rows[0]
}

/** Reads ledger keys from the tables, inside the caller's transaction, as LevelDB record bytes. */
export class RowReader implements LedgerReader {
  constructor (private readonly q: Queryable) {}

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    const id = bytea(key.subarray(1))
    switch (key[0]) {
      case PREFIX.ACCOUNT: {
        const r = await one(this.q, `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE address = $1`, [id])
        return r === undefined ? undefined : encodeRecord(accountFromRow(r))
      }
      case PREFIX.HOLD: {
        const r = await one(this.q, 'SELECT * FROM ledger_holds WHERE request_id = $1', [id])
        return r === undefined ? undefined : encodeRecord(holdFromRow(r))
      }
      case PREFIX.OUTCOME: {
        const r = await one(this.q, 'SELECT * FROM ledger_outcomes WHERE request_id = $1', [id])
        return r === undefined ? undefined : encodeRecord(outcomeFromRow(r))
      }
      case PREFIX.SETTLEMENT: {
        const r = await one(this.q, 'SELECT * FROM ledger_settlements WHERE txid = $1', [id])
        return r === undefined ? undefined : encodeRecord(settlementFromRow(r))
      }
      case PREFIX.SETTLEMENT_NONCE: {
        const r = await one(this.q, 'SELECT txid FROM ledger_settlement_nonces WHERE from_address = $1 AND nonce = $2', [bytea(key.subarray(1, 21)), readUint64(key, 21)])
        return r === undefined ? undefined : bytesOf(r.txid)
      }
      default:
        // planners read only the keys above; anything else is a bug in this mapping
        assert.fail(`the PostgreSQL ledger cannot read key prefix ${key[0]}`)
    }
  }
}

const ACCOUNT_UPSERT = `INSERT INTO ledger_accounts (${ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (address) DO UPDATE SET balance_nano_tau = EXCLUDED.balance_nano_tau, seeding_credit_nano_tau = EXCLUDED.seeding_credit_nano_tau,
  held_nano_tau = EXCLUDED.held_nano_tau, held_free_bytes = EXCLUDED.held_free_bytes, free_quota_bytes = EXCLUDED.free_quota_bytes,
  free_quota_used_bytes = EXCLUDED.free_quota_used_bytes, free_quota_period_start_ms = EXCLUDED.free_quota_period_start_ms,
  credited_nano_tau = EXCLUDED.credited_nano_tau, seeded_nano_tau = EXCLUDED.seeded_nano_tau, charged_nano_tau = EXCLUDED.charged_nano_tau,
  free_bytes_total = EXCLUDED.free_bytes_total, billable_bytes_total = EXCLUDED.billable_bytes_total, settled_count = EXCLUDED.settled_count`

async function put (q: Queryable, key: Uint8Array, value: Uint8Array, nodeId: Uint8Array): Promise<void> {
  const id = bytea(key.subarray(1))
  // amounts and counts travel as decimal text: exact, whatever their size
  const s = (v: bigint | number): string => v.toString()
  switch (key[0]) {
    case PREFIX.ACCOUNT: {
      const a = decodeAccount(key, value)
      await q.query(ACCOUNT_UPSERT, [id, s(a.balanceNanoTau), s(a.seedingCreditNanoTau), s(a.heldNanoTau), s(a.heldFreeBytes), s(a.freeQuotaBytes),
        s(a.freeQuotaUsedBytes), s(a.freeQuotaPeriodStartMs), s(a.creditedNanoTau), s(a.seededNanoTau), s(a.chargedNanoTau), s(a.freeBytesTotal),
        s(a.billableBytesTotal), s(a.settledCount), s(a.createdMs)])
      return
    }
    case PREFIX.HOLD: {
      const h = decodeHold(key, value)
      await q.query('INSERT INTO ledger_holds (request_id, node_id, payer, held_nano_tau, held_free_bytes, max_charge_nano_tau, max_free_bytes, opened_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [id, bytea(nodeId), bytea(h.payer), s(h.heldNanoTau), s(h.heldFreeBytes), s(h.maxChargeNanoTau), s(h.maxFreeBytes), s(h.openedMs)])
      return
    }
    case PREFIX.OUTCOME: {
      const o = decodeOutcome(key, value)
      await q.query('INSERT INTO ledger_outcomes (request_id, node_id, payer, status, charge_nano_tau, from_seeding_nano_tau, free_bytes, billable_bytes, journal_seq, closed_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [id, bytea(nodeId), bytea(o.payer), o.status, s(o.chargeNanoTau), s(o.fromSeedingNanoTau), s(o.freeBytes), s(o.billableBytes), s(o.journalSeq), s(o.closedMs)])
      return
    }
    case PREFIX.JOURNAL: {
      const e = decodeJournal(key, value)
      await q.query('INSERT INTO ledger_journal (seq, kind, address, amount_nano_tau, from_seeding_nano_tau, ref, free_bytes, billable_bytes, ts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [s(readUint64(key, 1)), e.kind, bytea(e.address), s(e.amountNanoTau), s(e.fromSeedingNanoTau), bytea(e.ref), s(e.freeBytes), s(e.billableBytes), s(e.tsMs)])
      return
    }
    case PREFIX.SETTLEMENT: {
      const r = decodeSettlement(key, value)
      await q.query('INSERT INTO ledger_settlements (txid, tx, journal_seq, imported_ms) VALUES ($1, $2, $3, $4)', [id, bytea(r.tx), s(r.journalSeq), s(r.importedMs)])
      return
    }
    case PREFIX.SETTLEMENT_NONCE:
      await q.query('INSERT INTO ledger_settlement_nonces (from_address, nonce, txid) VALUES ($1, $2, $3)', [bytea(key.subarray(1, 21)), s(readUint64(key, 21)), bytea(value)])
      return
    case PREFIX.META:
    case PREFIX.ADDRESS_JOURNAL:
      // derived: the journal position is a sequence, the address index an index
      return
    default:
      assert.fail(`the PostgreSQL ledger cannot write key prefix ${key[0]} (extraBatchOps belong to the LevelDB ledger)`)
  }
}

/** Applies a planned batch inside the caller's transaction, statement by statement, in order. */
export async function applyWrites (q: Queryable, ops: readonly LedgerBatchOp[], nodeId: Uint8Array): Promise<void> {
  for (const op of ops) {
    if (op.type === 'put') {
      await put(q, op.key, op.value, nodeId)
    } else {
      // the planners delete only holds (settled or released)
      assert(op.key[0] === PREFIX.HOLD, `the PostgreSQL ledger cannot delete key prefix ${op.key[0]}`)
      await q.query('DELETE FROM ledger_holds WHERE request_id = $1', [bytea(op.key.subarray(1))])
    }
  }
}
