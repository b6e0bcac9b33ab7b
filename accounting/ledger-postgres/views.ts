/**
 * Read-side views of the PostgreSQL ledger that reuse the LevelDB ledger's code: the public
 * account view, and statements built by ledger-statement.ts over an in-memory snapshot of one
 * address's journal rows (read by one statement, so consistent by itself).
 */
import { addressJournalKey, journalKey } from '../ledger-keys.js'
import { encodeRecord } from '../ledger-codec.js'
import { availableNanoTau, checkAddress, checkUint, freeQuotaAvailableBytes } from '../ledger-state.js'
import { buildStatement } from '../ledger-statement.js'
import { MemoryLedgerDatabase } from './memory-db.js'
import { bytea, journalFromRow, uintOf } from './rows.js'
import type { AccountRecord } from '../ledger-codec.js'
import type { AccountView } from '../ledger.js'
import type { Statement, StatementRange } from '../ledger-statement.js'
import type { LedgerContext } from '../ledger-state.js'
import type { Queryable } from './rows.js'

/** The public view of an account record (as `Ledger.account()` gives it). */
export function accountView (address: Uint8Array, account: AccountRecord): AccountView {
  return { ...account, address, availableNanoTau: availableNanoTau(account), freeQuotaAvailableBytes: freeQuotaAvailableBytes(account) }
}

/** A signed statement of `address` over `[fromMs, toMs)` from the journal rows. */
export async function buildPostgresStatement (q: Queryable, addressArg: Uint8Array, range: StatementRange, signerPrivateKey: Uint8Array, issuedAtMs: number, maxEntries: number): Promise<Statement> {
  const address = checkAddress(addressArg, 'address')
  const fromMs = checkUint(range.fromMs, 'fromMs')
  const toMs = Math.max(fromMs, checkUint(range.toMs, 'toMs'))
  // one row past the bound, so buildStatement raises StatementTooLargeError exactly as on LevelDB
  const { rows } = await q.query('SELECT * FROM ledger_journal WHERE address = $1 AND ts_ms >= $2 AND ts_ms < $3 ORDER BY ts_ms, seq LIMIT $4',
    [bytea(address), String(fromMs), String(toMs), maxEntries + 1])
  const db = new MemoryLedgerDatabase()
  for (const r of rows) {
    const seq = uintOf(r.seq)
    const entry = journalFromRow(r)
    db.put(journalKey(seq), encodeRecord(entry))
    db.put(addressJournalKey(address, entry.tsMs, seq), new Uint8Array(0))
  }
  const ctx: LedgerContext = { db, reader: db, operator: undefined, freeQuotaBytes: 0, freeQuotaPeriodMs: 0, nextJournalSeq: 0 }
  return buildStatement(ctx, address, { fromMs, toMs }, signerPrivateKey, issuedAtMs, maxEntries)
}
