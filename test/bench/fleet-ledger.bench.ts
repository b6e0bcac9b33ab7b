/**
 * Durable charges per second — open hold, settle, transfer-log group commit, receipt — on the
 * fleet's PostgreSQL ledger (fsync on) with 1 and 3 relay nodes, against the LevelDB ledger of one
 * node, in one run on the same machine. Nodes are in-process (each its own PostgresLedger, pool,
 * LevelDB and TransferLog), so the 3-node case shares this process's CPU with the others and the
 * database; the single-payer case is the worst contention (every charge touches one account row).
 * Both isolation levels the fleet ledger offers are measured; failed charges (LedgerBusyError after
 * the retry bound) are counted, not hidden.
 * Run: node dist/test/bench/fleet-ledger.bench.js [charges]. Prints the JSON it returns.
 */
import { pathToFileURL } from 'node:url'
import { startFleetNode } from '../helpers/fleet.js'
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { startPostgres } from '../helpers/postgres.js'
import { openAccounts, recordOf } from '../helpers/transfer-log.js'
import { collectGarbage, round } from './bench-results.js'
import type { LedgerBackend } from '../../accounting/ledger-api.js'
import type { TransferLog } from '../../accounting/transfer-log.js'
import type { TestKey } from '../helpers/ledger.js'

/** Charges in flight per node: the relay's default of concurrent syncs is in this range. */
const CONCURRENCY_PER_NODE = 64
/** Distinct payers of the spread cases (every node charges all of them: the worst spread for a fleet). */
const PAYERS = 64

interface Node { ledger: LedgerBackend, log: TransferLog }
interface CaseResult { case: string, nodes: number, payers: number, charges: number, seconds: number, chargesPerSecond: number, failed: number }

const payers: TestKey[] = Array.from({ length: PAYERS }, (_, i) => testKey(`bench payer ${i}`))

async function fund (ledger: LedgerBackend, who: readonly TestKey[]): Promise<void> {
  for (const p of who) await ledger.creditSettlement(settlement(p, 10n ** 15n, 0))
}

/** Runs `charges` hold + settle + commit cycles spread over `nodes`, CONCURRENCY_PER_NODE at a time on each. */
async function drive (name: string, nodes: Node[], who: readonly TestKey[], charges: number, firstId: number): Promise<CaseResult> {
  collectGarbage()
  let next = 0
  let failed = 0
  const worker = async (node: Node): Promise<void> => {
    for (;;) {
      const n = next++
      if (n >= charges) return
      const payer = who[n % who.length]
      const id = requestId(firstId + n)
      try {
        await node.ledger.openHold({ requestId: id, payer: payer.address, maxChargeNanoTau: 1000n, maxFreeBytes: 0 })
        await node.log.settle({ requestId: id, chargeNanoTau: 700n, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(firstId + n, payer.address, 700n))
      } catch {
        failed++
      }
    }
  }
  const t0 = performance.now()
  await Promise.all(nodes.flatMap((node) => Array.from({ length: CONCURRENCY_PER_NODE }, async () => worker(node))))
  const seconds = (performance.now() - t0) / 1000
  return { case: name, nodes: nodes.length, payers: who.length, charges, seconds: round(seconds), chargesPerSecond: Math.round((charges - failed) / seconds), failed }
}

/** The spread and the one-payer case on `count` fresh PostgreSQL nodes of the database at `url`. */
async function postgresCases (url: string, isolation: 'serializable' | 'repeatable read', count: number, charges: number): Promise<CaseResult[]> {
  const nodes = []
  for (let i = 1; i <= count; i++) nodes.push(await startFleetNode(url, i, { freeQuotaBytes: 0, poolSize: 8, isolation }))
  const name = `postgres ${isolation}, ${count} node${count > 1 ? 's' : ''}`
  try {
    await fund(nodes[0].ledger, payers)
    const spread = await drive(name, nodes, payers, charges, 2_000_000 * count)
    const onePayer = await drive(`${name}, one payer`, nodes, payers.slice(0, 1), Math.ceil(charges / 3), 3_000_000 * count)
    const report = await nodes[0].ledger.check()
    if (!report.ok) throw new Error(`bench left the ledger inconsistent: ${report.violations.slice(0, 3).join('; ')}`)
    return [spread, onePayer]
  } finally {
    for (const node of nodes) await node.stop()
  }
}

/** Runs every case; returns the results. */
export async function run (charges = 3000): Promise<object> {
  const results: CaseResult[] = []
  const level = await openAccounts()
  try {
    await fund(level.ledger, payers)
    results.push(await drive('leveldb, 1 node', [level], payers, charges, 1_000_000))
  } finally {
    await level.cleanup()
  }
  const cluster = await startPostgres({ fsync: true })
  try {
    for (const isolation of ['serializable', 'repeatable read'] as const) {
      for (const count of [1, 3]) results.push(...await postgresCases(await cluster.createDatabase('bench'), isolation, count, charges))
    }
  } finally {
    await cluster.stop()
  }
  return { concurrencyPerNode: CONCURRENCY_PER_NODE, fsync: true, results }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await run(Number(process.argv[2] ?? 3000)), null, 2))
}
