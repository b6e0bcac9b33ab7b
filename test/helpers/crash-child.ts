/**
 * Child process of the crash harness (test/integration/crash-harness.test.ts). Opens the ledger
 * and transfer log at argv[2], recovers (open holds released, pending records committed), runs
 * `accounts check` and prints it as `check <json>`, prints `ready`, then runs a stream of credits,
 * holds, settles-with-record and releases at argv[4] concurrency, starting at request number
 * argv[3], printing `ack <requestIdHex> <seq>` for every receipt it received, until it is killed.
 * stdout to a pipe is synchronous on Linux, so a printed ack was acknowledged before any kill.
 */
import { ClassicLevel } from 'classic-level'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { Ledger } from '../../accounting/ledger.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { OPERATOR, requestId, settlement, testKey } from './ledger.js'
import { logInit, recordOf } from './transfer-log.js'

const path = process.argv[2]
const start = Number(process.argv[3])
const concurrency = Number(process.argv[4] ?? 16)
const payers = [testKey('alice'), testKey('bob'), testKey('carol')]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
await db.open()
const ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 5000 })
await ledger.start()
const released = await ledger.recoverOpenHolds()
const log = new TransferLog({ db, ledger }, logInit({ now: Date.now }))
await log.start()
// signatures are checked once, by the parent's final check: 1.6 ms a head would dominate each restart
const report = await accountsCheck(db)
process.stdout.write(`check ${JSON.stringify({ violations: report.violations, released, openHolds: report.ledger.totals.openHolds, pending: report.log.totals.pending, records: report.log.totals.records, heads: report.log.totals.heads, settled: report.log.totals.settledOutcomes })}\n`)
process.stdout.write('ready\n')

let next = start
let nonce = start
async function worker (): Promise<void> {
  for (;;) {
    const n = next++
    const payer = payers[n % payers.length]
    if (n % 40 === 0) await ledger.creditSettlement(settlement(payer, 1_000_000n, nonce++))
    const id = requestId(n)
    try {
      const hold = await ledger.openHold({ requestId: id, payer: payer.address, maxChargeNanoTau: 20n, maxFreeBytes: 100 })
      if (n % 7 === 0) {
        await ledger.releaseHold(id)
        continue
      }
      const charge = BigInt(n % 11) < hold.heldNanoTau ? BigInt(n % 11) : hold.heldNanoTau
      const free = Math.min(hold.heldFreeBytes, n % 50)
      const { receipt } = await log.settle({ requestId: id, chargeNanoTau: charge, freeBytesUsed: free, billableBytes: 1000 }, recordOf(n, payer.address, charge, free))
      process.stdout.write(`ack ${hex(id)} ${receipt.record.seq}\n`)
    } catch (err: unknown) {
      // a payer out of funds is a normal rejection; anything else is a bug the parent must see
      if (!(err instanceof Error) || err.name !== 'ExceedsBalanceError') throw err
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, async () => worker()))
