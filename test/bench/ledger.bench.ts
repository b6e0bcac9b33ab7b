/**
 * Ledger + transfer log bench (issue 6), on real classic-level in mkdtemp directories:
 * durable charges/s (openHold + settle with its pending record + group commit + receipt) at 1, 16
 * and 256 concurrent transfers, side by side with one commit per record; durable group-commit
 * latency p50/p99 for 1 and 1,000 records per commit on a log of 10,000 records, with the time to
 * build the receipts; and log storage bytes per transfer at 100,000 transfers (logical key+value
 * bytes, bytes reachable from the newest head, and the directory on disk after compaction).
 * Run alone: node dist/test/bench/ledger.bench.js
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CID } from 'multiformats/cid'
import { PREFIX, prefixRange } from '../../accounting/ledger-keys.js'
import { pendingKey, encodePendingRecord, TRANSFER_LOG_HAMT_OPTIONS } from '../../accounting/transfer-log-keys.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { collectGarbage, percentile, round, writeBenchResult } from './bench-results.js'
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { openAccounts, recordOf } from '../helpers/transfer-log.js'
import type { TestAccounts } from '../helpers/transfer-log.js'

/** Sizes of one run; defaults are the issue's. */
export interface LedgerBenchInit {
  charges?: number
  storageTransfers?: number
  storageGroup?: number
  /** Which cases to run. @default all three */
  cases?: Array<'throughput' | 'latency' | 'storage'>
}

const payer = testKey('bench-payer')

async function fresh (maxRecordsPerCommit?: number): Promise<TestAccounts> {
  const t = await openAccounts({ log: { now: Date.now, maxRecordsPerCommit } })
  await t.ledger.creditSettlement(settlement(payer, 10n ** 15n))
  return t
}

async function chargesCase (concurrency: number, charges: number, maxRecordsPerCommit?: number): Promise<Record<string, number>> {
  const sizes: number[] = []
  const t = await openAccounts({ log: { now: Date.now, maxRecordsPerCommit, tracer: { logCommitted: (n) => { sizes.push(n) }, logCommitFailed: () => {} } } })
  await t.ledger.creditSettlement(settlement(payer, 10n ** 15n))
  collectGarbage()
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let n = next++; n < charges; n = next++) {
      await t.ledger.openHold({ requestId: requestId(n), payer: payer.address, maxChargeNanoTau: 100n })
      await t.log.settle({ requestId: requestId(n), chargeNanoTau: 7n, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(n, payer.address, 7n))
    }
  }))
  const seconds = (performance.now() - started) / 1000
  await t.cleanup()
  return { concurrency, charges, chargesPerSecond: Math.round(charges / seconds), commits: sizes.length, meanRecordsPerCommit: round(charges / sizes.length, 1) }
}

/** Charges settled with their pending record but not committed yet (bypassing the log's commit). */
async function settlePending (t: TestAccounts, from: number, count: number): Promise<Uint8Array[]> {
  const ids: Uint8Array[] = []
  for (let n = from; n < from + count; n++) {
    await t.ledger.openHold({ requestId: requestId(n), payer: payer.address, maxChargeNanoTau: 100n })
    await t.ledger.settle({ requestId: requestId(n), chargeNanoTau: 7n, freeBytesUsed: 0, billableBytes: 1000, extraBatchOps: t.log.pendingRecordOps(recordOf(n, payer.address, 7n)) })
    ids.push(requestId(n))
  }
  return ids
}

/** Key + value bytes of every log block (HAMT nodes and heads). */
async function logBlockBytes (t: TestAccounts): Promise<number> {
  let bytes = 0
  for await (const [key, value] of t.db.iterator(prefixRange(PREFIX.LOG_BLOCK))) bytes += key.length + value.length
  return bytes
}

async function latencyCase (recordsPerCommit: number, rounds: number, baseRecords: number): Promise<Record<string, number>> {
  const durations: number[] = []
  const t = await openAccounts({ log: { now: Date.now, tracer: { logCommitted: (_n, ms) => { durations.push(ms) }, logCommitFailed: () => {} } } })
  await t.ledger.creditSettlement(settlement(payer, 10n ** 15n))
  for (let n = 0; n < baseRecords; n += 1000) await Promise.all((await settlePending(t, n, 1000)).map(async (id) => t.log.commit(id)))
  durations.length = 0
  const blockBytesBefore = await logBlockBytes(t)
  const receiptsMs: number[] = []
  // once, not before every round: a forced full GC right before a commit made a 4 ms commit take ~20 ms (its sweeping runs on)
  collectGarbage()
  for (let r = 0; r < rounds; r++) {
    const ids = await settlePending(t, baseRecords + r * recordsPerCommit, recordsPerCommit)
    const started = performance.now()
    await Promise.all(ids.map(async (id) => t.log.commit(id)))
    receiptsMs.push(performance.now() - started)
  }
  const blockBytes = await logBlockBytes(t) - blockBytesBefore
  await t.cleanup()
  return {
    recordsPerCommit,
    rounds,
    logRecordsBefore: baseRecords,
    commitMsP50: round(percentile(durations, 50)),
    commitMsP99: round(percentile(durations, 99)),
    withReceiptsMsP50: round(percentile(receiptsMs, 50)),
    withReceiptsMsP99: round(percentile(receiptsMs, 99)),
    // blocks are keyed by CID and a flush writes only changed nodes: new block bytes = bytes written
    logBlockBytesPerCommit: Math.round(blockBytes / rounds)
  }
}

async function dirBytes (dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size
  return total
}

async function storageCase (transfers: number, group: number): Promise<Record<string, number>> {
  const t = await fresh()
  // records go straight to the pending prefix: this measures the log's bytes, not the ledger's
  for (let n = 0; n < transfers; n += group) {
    const ops = []
    for (let i = n; i < Math.min(transfers, n + group); i++) ops.push({ type: 'put' as const, key: pendingKey(requestId(i)), value: encodePendingRecord(recordOf(i, payer.address, 7n)) })
    await t.db.batch(ops, { sync: false })
    await Promise.all(ops.map(async (op) => t.log.commit(op.key.subarray(1))))
  }
  let logical = 0
  let blocks = 0
  for (const prefix of [PREFIX.LOG_BLOCK, PREFIX.LOG_HEAD, PREFIX.LOG_META]) {
    for await (const [key, value] of t.db.iterator(prefixRange(prefix))) {
      logical += key.length + value.length
      if (prefix === PREFIX.LOG_BLOCK) blocks++
    }
  }
  const head = await t.log.head()
  let live = head?.bytes.length ?? 0
  if (head !== undefined) {
    // bytes of the newest HAMT: walk its nodes through the store's get
    const seen = new Set<string>()
    const store = { get: async (cid: CID) => { const b = await t.db.get(new Uint8Array([PREFIX.LOG_BLOCK, ...cid.bytes])); if (b !== undefined && !seen.has(cid.toString())) { seen.add(cid.toString()); live += b.length } return b }, put: async () => {} }
    // walking every entry loads every node once
    const entries = (await Hamt.load(store, head.head.hamt, TRANSFER_LOG_HAMT_OPTIONS)).entries()
    for (let r = await entries.next(); r.done !== true; r = await entries.next()) live += 0
  }
  await t.db.compactRange(new Uint8Array([PREFIX.TRANSFER_PENDING]), new Uint8Array([PREFIX.LOG_META + 1]))
  const disk = await dirBytes(t.path)
  await t.cleanup()
  return {
    transfers,
    recordsPerCommit: group,
    heads: Math.ceil(transfers / group),
    blocks,
    logicalBytesPerTransfer: round(logical / transfers, 1),
    newestHamtBytesPerTransfer: round(live / transfers, 1),
    diskBytesPerTransferWholeDb: round(disk / transfers, 1)
  }
}

/** Runs every case and returns the figures. */
export async function run (init: LedgerBenchInit = {}): Promise<object> {
  const charges = init.charges ?? 5000
  const cases = init.cases ?? ['throughput', 'latency', 'storage']
  const throughput = []
  if (cases.includes('throughput')) {
    for (const concurrency of [1, 16, 256]) throughput.push({ groupCommit: await chargesCase(concurrency, charges), oneCommitPerRecord: await chargesCase(concurrency, Math.min(charges, 2000), 1) })
  }
  const latency = cases.includes('latency') ? [await latencyCase(1, 300, 10_000), await latencyCase(1000, 20, 10_000)] : []
  const storage = cases.includes('storage')
    ? [await storageCase(init.storageTransfers ?? 100_000, init.storageGroup ?? 256), await storageCase(init.storageTransfers ?? 100_000, 1000)]
    : []
  const result = {
    throughput,
    latency,
    storage,
    targets: {
      chargesPerSecondAt256: { target: 20_000, measured: throughput[2]?.groupCommit.chargesPerSecond },
      commitMsP99Of1000: { target: 100, measured: latency[1]?.commitMsP99 },
      commitMsP99Of1: { target: 5, measured: latency[0]?.commitMsP99 }
    }
  }
  return result
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run()
  console.log(JSON.stringify(result, null, 2))
  console.log('wrote %s', await writeBenchResult('ledger', result))
}
