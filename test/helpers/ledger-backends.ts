/**
 * Test helper: the same ledger suite against every backend. A factory per backend — classic-level
 * (test/helpers/ledger.ts) and PostgreSQL (a throwaway cluster, test/helpers/postgres.ts, one fresh
 * database per ledger) — gives a ledger, a dump of its whole stored state (to prove a rejection
 * changed nothing), a reopen, and a settle that stores the transfer log's pending record with the
 * charge (LevelDB: `extraBatchOps` in the batch; PostgreSQL: the charge row).
 */
import pg from 'pg'
import { toString as bytesToString } from 'uint8arrays/to-string'
import { PostgresLedger } from '../../accounting/ledger-postgres/postgres-ledger.js'
import { pendingKey } from '../../accounting/transfer-log-keys.js'
import { createTestLedger, dumpKeySpace, OPERATOR } from './ledger.js'
import { startPostgres } from './postgres.js'
import type { LedgerBackend } from '../../accounting/ledger-api.js'
import type { LedgerInit } from '../../accounting/ledger.js'
import type { RequestOutcome, SettleArgs } from '../../accounting/ledger-holds.js'
import type { PostgresCluster } from './postgres.js'

/** The node id every PostgreSQL test ledger runs as. */
export const TEST_NODE_ID = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...new Uint8Array(32).fill(7)])

/** A ledger of one backend, with what the suites need around it. */
export interface BackendLedger {
  backend: 'level' | 'postgres'
  ledger: LedgerBackend
  /** Every stored row or key, as text, in a stable order. */
  dump: () => Promise<string[]>
  /** Stops the ledger and starts a new one on the same storage. */
  reopen: (init?: LedgerInit) => Promise<void>
  /** Settles with the pending transfer record stored in the same commit; returns the stored bytes read back. */
  settleWithRecord: (args: SettleArgs, record: Uint8Array) => Promise<{ outcome: RequestOutcome, stored: Uint8Array | undefined }>
  cleanup: () => Promise<void>
}

/** Makes ledgers of one backend. */
export interface LedgerBackendFactory {
  name: 'level' | 'postgres'
  create: (init?: LedgerInit) => Promise<BackendLedger>
}

const BASE: LedgerInit = { operatorAddress: OPERATOR.address, now: () => 1_700_000_000_000 }

const level: LedgerBackendFactory = {
  name: 'level',
  create: async (init = {}) => {
    const t = await createTestLedger(init)
    return {
      backend: 'level',
      get ledger () { return t.ledger },
      dump: async () => dumpKeySpace(t.db),
      reopen: async (next) => { await t.reopen(next) },
      settleWithRecord: async (args, record) => {
        const key = pendingKey(args.requestId)
        const outcome = await t.ledger.settle({ ...args, extraBatchOps: [{ type: 'put', key, value: record }] })
        const stored = await t.db.get(key)
        return { outcome, stored: stored === undefined ? undefined : new Uint8Array(stored) }
      },
      cleanup: async () => { await t.cleanup() }
    }
  }
}

let cluster: Promise<PostgresCluster> | undefined

const TABLES = ['ledger_accounts', 'ledger_holds', 'ledger_outcomes', 'ledger_journal', 'ledger_settlements', 'ledger_settlement_nonces', 'ledger_charges']

async function dumpTables (url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const rows: string[] = []
    for (const table of TABLES) {
      const { rows: found } = await client.query(`SELECT * FROM ${table} ORDER BY 1, 2`)
      for (const r of found) rows.push(`${table} ${JSON.stringify(r, (_k, v: unknown) => (v as { type?: string })?.type === 'Buffer' ? bytesToString(Uint8Array.from((v as { data: number[] }).data), 'base16') : v)}`)
    }
    return rows
  } finally {
    await client.end()
  }
}

function postgresInit (init: LedgerInit): ConstructorParameters<typeof PostgresLedger>[1] {
  return {
    nodeId: TEST_NODE_ID,
    operatorAddress: init.operatorAddress,
    freeQuotaBytes: init.freeQuotaBytes,
    freeQuotaPeriodMs: init.freeQuotaPeriodMs,
    maxQueuedOperations: init.maxQueuedOperations,
    maxStatementEntries: init.maxStatementEntries,
    now: init.now
  }
}

const postgres: LedgerBackendFactory = {
  name: 'postgres',
  create: async (init = {}) => {
    cluster ??= startPostgres()
    const url = await (await cluster).createDatabase()
    let ledger = new PostgresLedger({}, { ...postgresInit({ ...BASE, ...init }), connectionString: url })
    await ledger.start()
    return {
      backend: 'postgres',
      get ledger () { return ledger },
      dump: async () => dumpTables(url),
      reopen: async (next = { ...BASE, ...init }) => {
        await ledger.stop()
        ledger = new PostgresLedger({}, { ...postgresInit(next), connectionString: url })
        await ledger.start()
      },
      settleWithRecord: async (args, record) => {
        const { outcome } = await ledger.settleLogged(args, record, 0)
        ledger.markLogged(args.requestId, undefined)
        const rows = (await dumpTables(url)).filter((r) => r.startsWith('ledger_charges '))
        const row = rows.map((r) => JSON.parse(r.slice('ledger_charges '.length)) as { request_id: string, record: string })
          .find((r) => r.request_id === bytesToString(args.requestId, 'base16'))
        return { outcome, stored: row === undefined ? undefined : Uint8Array.from(Buffer.from(row.record, 'hex')) }
      },
      cleanup: async () => { await ledger.stop() }
    }
  }
}

/** Both backends, LevelDB first. */
export const LEDGER_BACKENDS: readonly LedgerBackendFactory[] = [level, postgres]

/** Stops the PostgreSQL cluster if one was started (call in a top-level `after`). */
export async function stopLedgerBackends (): Promise<void> {
  if (cluster !== undefined) await (await cluster).stop()
  cluster = undefined
}
