/**
 * Child process of replay-crash.test.ts: opens the ledger and transfer log at argv[2] (recovering
 * as the relay does), imports REPLAY_TX, then — up to the crash point argv[3] — opens the hold,
 * charges it with its pending log record in the same batch, and waits for the receipt. It prints
 * `done` right after that point and idles until the parent SIGKILLs it. stdout to a pipe is
 * synchronous on Linux, so `done` is printed only once the step has been acknowledged.
 */
import { ClassicLevel } from 'classic-level'
import { Ledger } from '../../accounting/ledger.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { OPERATOR } from '../helpers/ledger.js'
import { logInit } from '../helpers/transfer-log.js'
import { REPLAY_HOLD, REPLAY_RECORD, REPLAY_SETTLE, REPLAY_TX } from './replay-fixtures.js'
import type { CrashPoint } from './replay-fixtures.js'

const path = process.argv[2]
const point = process.argv[3] as CrashPoint
const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
await db.open()
const ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 0 })
await ledger.start()
await ledger.recoverOpenHolds()
const log = new TransferLog({ db, ledger }, logInit())
await log.start()

async function runUpTo (): Promise<void> {
  await ledger.creditSettlement(REPLAY_TX)
  if (point === 'credit') return
  await ledger.openHold(REPLAY_HOLD)
  if (point === 'hold') return
  if (point === 'charge') {
    // the charge and its pending record are in LevelDB; the log has not committed it yet
    await ledger.settle({ ...REPLAY_SETTLE, extraBatchOps: log.pendingRecordOps(REPLAY_RECORD) })
    return
  }
  await log.settle(REPLAY_SETTLE, REPLAY_RECORD)
}

await runUpTo()
process.stdout.write('done\n')
// keep the process (and its open database) alive until the parent kills it
setInterval(() => {}, 60_000)
