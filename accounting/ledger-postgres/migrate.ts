/**
 * Applies schema.ts's migrations on start. Each pending migration runs in its own serializable
 * transaction together with the insert of its `schema_migrations` row (primary key: version), so a
 * migration is applied exactly once even when every node of a fleet starts at the same moment: the
 * losers of that race get a conflict, retry, and find the version applied. A database newer than
 * this code (a version it does not know) is refused rather than used.
 */
import { LedgerCorruptError } from '../errors.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'
import { errorCode, inSerializableTransaction } from './transaction.js'
import type { Pool } from 'pg'

/** Attempts of one migration when other nodes migrate at the same time. */
const MIGRATION_ATTEMPTS = 8
/** SQLSTATEs a concurrent migration may raise besides serialization conflicts: duplicate table/object. */
const CONCURRENT_DDL = new Set(['42P07', '42710'])

async function appliedVersions (pool: Pool): Promise<Set<number>> {
  await pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_ms bigint NOT NULL)')
    .catch((err: unknown) => {
      // two nodes creating the table at once: one wins, the other sees a duplicate
      if (!CONCURRENT_DDL.has(errorCode(err)) && errorCode(err) !== '23505') throw err
    })
  const { rows } = await pool.query<{ version: string }>('SELECT version FROM schema_migrations')
  return new Set(rows.map((r) => Number(r.version)))
}

/** Brings the database to SCHEMA_VERSION; returns the versions applied by this call. */
export async function migrate (pool: Pool, nowMs: number): Promise<number[]> {
  const applied: number[] = []
  for (let attempt = 1; ; attempt++) {
    const done = await appliedVersions(pool)
    const newest = Math.max(0, ...done)
    if (newest > SCHEMA_VERSION) throw new LedgerCorruptError('schema_migrations', `database schema ${newest} is newer than this relay's ${SCHEMA_VERSION}; upgrade the relay`)
    const pending = MIGRATIONS.filter((m) => !done.has(m.version))
    if (pending.length === 0) return applied
    try {
      for (const m of pending) {
        await inSerializableTransaction(pool, async (client) => {
          for (const statement of m.statements) await client.query(statement)
          await client.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)', [m.version, m.name, nowMs])
        }, { maxAttempts: 1 })
        applied.push(m.version)
      }
    } catch (err: unknown) {
      const concurrent = CONCURRENT_DDL.has(errorCode(err)) || (err instanceof Error && err.name === 'LedgerBusyError')
      if (!concurrent || attempt >= MIGRATION_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    }
  }
}
