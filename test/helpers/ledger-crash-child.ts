/**
 * Child process for the kill -9 test: opens a ledger at argv[2] and settles requests forever
 * (each with its transfer-log pending record in its batch, in the log's real layout via
 * `TransferLog.pendingRecordOps`, every third hold left open), printing `ready` once it is busy,
 * until the parent kills it. The log itself never commits here: the records stay pending.
 */
import { ClassicLevel } from 'classic-level'
import { Ledger } from '../../accounting/ledger.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { OPERATOR, requestId, settlement, testKey } from './ledger.js'
import { logInit, recordOf } from './transfer-log.js'

const alice = testKey('alice')
const path = process.argv[2]
const start = Number(process.argv[3])

const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
await db.open()
const ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 1000 })
await ledger.start()
await ledger.recoverOpenHolds()
// only for pendingRecordOps: never started, so it commits nothing
const log = new TransferLog({ db }, logInit())
await ledger.creditSettlement(settlement(alice, 1_000_000_000n, 0))
for (let i = start; ; i++) {
  const id = requestId(i)
  await ledger.openHold({ requestId: id, payer: alice.address, maxChargeNanoTau: 10n, maxFreeBytes: 5 })
  if (i % 3 !== 0) {
    await ledger.settle({
      requestId: id,
      chargeNanoTau: 3n,
      freeBytesUsed: 1,
      billableBytes: 1000,
      extraBatchOps: log.pendingRecordOps(recordOf(i, alice.address, 3n, 1))
    })
  }
  if (i === start + 50) process.stdout.write('ready\n')
}
