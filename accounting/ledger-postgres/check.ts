/**
 * `accounts check` on the PostgreSQL ledger: reads every table in ONE read-only serializable
 * transaction (a consistent snapshot while nodes keep charging), re-encodes the rows under the
 * LevelDB key space and runs ledger-check.ts on it unchanged — the journal is the source of truth,
 * accounts, outcomes and settlements must agree with it. Then the fleet's own rows: every charge
 * row belongs to a settled outcome of the same node whose payer, charge and free bytes its record
 * repeats. With a node given, that node's transfer log is checked against its charges
 * (fleet-log-check.ts).
 */
import { LEDGER_SCHEMA_VERSION, META_JOURNAL_SEQ, META_SCHEMA, accountKey, addressJournalKey, holdKey, journalKey, metaKey, outcomeKey, settlementKey, settlementNonceKey } from '../ledger-keys.js'
import { encodeRecord } from '../ledger-codec.js'
import { checkLedger } from '../ledger-check.js'
import { bytesEqual, hex } from '../ledger-state.js'
import { decodePendingRecord } from '../transfer-log-keys.js'
import { checkNodeLog } from './fleet-log-check.js'
import { MemoryLedgerDatabase } from './memory-db.js'
import { accountFromRow, bytesOf, holdFromRow, journalFromRow, outcomeFromRow, settlementFromRow, uintOf } from './rows.js'
import { inSerializableTransaction } from './transaction.js'
import type { Pool } from 'pg'
import type { LedgerCheckReport, LedgerTotals } from '../ledger-check.js'
import type { LedgerDatabase } from '../ledger-state.js'
import type { OutcomeRecord } from '../ledger-codec.js'
import type { Row } from './rows.js'

/** A node whose transfer log is checked too. */
export interface CheckedNode {
  nodeId: Uint8Array
  logDb: LedgerDatabase
  /** Requests the node is logging right now (a live check skips them). */
  isLogging: (requestId: Uint8Array) => boolean
}

/** The report, with the fleet's totals beside the ledger's. */
export interface PostgresCheckReport extends LedgerCheckReport {
  totals: LedgerTotals & { chargeRows: number, unloggedCharges: number, nodeLogRecords: number }
}

/** A snapshot of every table. */
export interface LedgerSnapshot {
  db: MemoryLedgerDatabase
  outcomes: Map<string, OutcomeRecord & { nodeId: Uint8Array }>
  charges: Row[]
}

/** Reads every table in one transaction into the LevelDB key space. */
export async function readSnapshot (pool: Pool, maxAttempts: number): Promise<LedgerSnapshot> {
  return inSerializableTransaction(pool, async (client) => {
    const db = new MemoryLedgerDatabase()
    const outcomes = new Map<string, OutcomeRecord & { nodeId: Uint8Array }>()
    db.put(metaKey(META_SCHEMA), encodeRecord(LEDGER_SCHEMA_VERSION))
    let nextSeq = 0
    for (const r of (await client.query('SELECT * FROM ledger_journal')).rows) {
      const seq = uintOf(r.seq)
      const entry = journalFromRow(r)
      nextSeq = Math.max(nextSeq, seq + 1)
      db.put(journalKey(seq), encodeRecord(entry))
      db.put(addressJournalKey(entry.address, entry.tsMs, seq), new Uint8Array(0))
    }
    db.put(metaKey(META_JOURNAL_SEQ), encodeRecord(nextSeq))
    for (const r of (await client.query('SELECT * FROM ledger_accounts')).rows) db.put(accountKey(bytesOf(r.address)), encodeRecord(accountFromRow(r)))
    for (const r of (await client.query('SELECT * FROM ledger_holds')).rows) db.put(holdKey(bytesOf(r.request_id)), encodeRecord(holdFromRow(r)))
    for (const r of (await client.query('SELECT * FROM ledger_outcomes')).rows) {
      const outcome = outcomeFromRow(r)
      db.put(outcomeKey(bytesOf(r.request_id)), encodeRecord(outcome))
      outcomes.set(hex(bytesOf(r.request_id)), { ...outcome, nodeId: bytesOf(r.node_id) })
    }
    for (const r of (await client.query('SELECT * FROM ledger_settlements')).rows) db.put(settlementKey(bytesOf(r.txid)), encodeRecord(settlementFromRow(r)))
    for (const r of (await client.query('SELECT * FROM ledger_settlement_nonces')).rows) db.put(settlementNonceKey(bytesOf(r.from_address), uintOf(r.nonce)), bytesOf(r.txid))
    const charges = (await client.query('SELECT * FROM ledger_charges')).rows
    return { db, outcomes, charges }
  }, { maxAttempts, readOnly: true })
}

function checkCharges (snapshot: LedgerSnapshot, v: string[]): void {
  for (const row of snapshot.charges) {
    const id = hex(bytesOf(row.request_id))
    const outcome = snapshot.outcomes.get(id)
    if (outcome?.status !== 'settled') {
      v.push(`charge row ${id} has no settled outcome`)
      continue
    }
    if (!bytesEqual(outcome.nodeId, bytesOf(row.node_id))) v.push(`charge row ${id} names another node than its outcome`)
    try {
      const record = decodePendingRecord(bytesOf(row.record), 0)
      if (hex(record.requestId) !== id || !bytesEqual(record.payer, outcome.payer) || record.charge !== outcome.chargeNanoTau || record.freeBytes !== outcome.freeBytes) {
        v.push(`charge row ${id}: its transfer record disagrees with the charge`)
      }
    } catch (err: unknown) {
      v.push(`charge row ${id}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}

/** Checks the shared ledger (and one node's log against it, when given). */
export async function checkPostgresLedger (pool: Pool, options: { maxAttempts: number, node?: CheckedNode }): Promise<PostgresCheckReport> {
  const snapshot = await readSnapshot(pool, options.maxAttempts)
  const ledger = await checkLedger(snapshot.db)
  const violations = [...ledger.violations]
  checkCharges(snapshot, violations)
  let nodeLogRecords = 0
  if (options.node !== undefined) {
    const log = await checkNodeLog(snapshot, options.node)
    violations.push(...log.violations.map((x) => `log: ${x}`))
    nodeLogRecords = log.records
  }
  const unloggedCharges = snapshot.charges.filter((r) => r.log_seq === null).length
  return { ok: violations.length === 0, violations, totals: { ...ledger.totals, chargeRows: snapshot.charges.length, unloggedCharges, nodeLogRecords } }
}
