/**
 * Measures what `sync: true` costs a settle: sequential openHold + settle pairs on a real
 * classic-level ledger with `syncCharges` off and on, and raw single-put batches for reference.
 * Run: node dist/test/bench/ledger-sync.bench.js [count]. Prints one JSON line per case.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { Ledger } from '../../accounting/ledger.js'
import { OPERATOR, requestId, settlement, testKey } from '../helpers/ledger.js'

const count = Number(process.argv[2] ?? 2000)
const alice = testKey('alice')

async function settleCase (syncCharges: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-ledger-bench-'))
  const ledger = await Ledger.open(join(dir, 'db'), { operatorAddress: OPERATOR.address, freeQuotaBytes: 0, syncCharges })
  await ledger.creditSettlement(settlement(alice, 10n ** 15n))
  let settleNs = 0n
  const startAll = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    await ledger.openHold({ requestId: requestId(i), payer: alice.address, maxChargeNanoTau: 100n })
    const t0 = process.hrtime.bigint()
    await ledger.settle({ requestId: requestId(i), chargeNanoTau: 42n, freeBytesUsed: 0, billableBytes: 42 })
    settleNs += process.hrtime.bigint() - t0
  }
  const totalMs = Number(process.hrtime.bigint() - startAll) / 1e6
  await ledger.stop()
  await rm(dir, { recursive: true, force: true })
  console.log(JSON.stringify({ case: `settle syncCharges=${String(syncCharges)}`, count, settleMeanUs: Number(settleNs / BigInt(count)) / 1000, pairsPerSecond: Math.round(count / (totalMs / 1000)) }))
}

async function rawCase (sync: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-ledger-bench-'))
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const value = new Uint8Array(200)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    const key = new Uint8Array(16)
    new DataView(key.buffer).setUint32(0, i)
    await db.batch([{ type: 'put', key, value }, { type: 'put', key: key.map((b) => b ^ 0xff), value }], { sync })
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  await db.close()
  await rm(dir, { recursive: true, force: true })
  console.log(JSON.stringify({ case: `raw batch sync=${String(sync)}`, count, meanUs: Math.round(ms * 1000 / count), perSecond: Math.round(count / (ms / 1000)) }))
}

for (const sync of [false, true]) await rawCase(sync)
for (const sync of [false, true]) await settleCase(sync)
