/**
 * Child process for the kill -9 test: opens a ledger at argv[2] and settles requests forever
 * (each with a transfer-log pending record in its batch, every third hold left open), printing
 * `ready` once it is busy, until the parent kills it.
 */
import { Ledger } from '../../accounting/ledger.js'
import { PREFIX, uint64Bytes } from '../../accounting/ledger-keys.js'
import { OPERATOR, requestId, settlement, testKey } from './ledger.js'

const alice = testKey('alice')
const path = process.argv[2]
const start = Number(process.argv[3])

const ledger = await Ledger.open(path, { operatorAddress: OPERATOR.address, freeQuotaBytes: 1000 })
await ledger.recoverOpenHolds()
await ledger.creditSettlement(settlement(alice, 1_000_000_000n, 0))
for (let i = start; ; i++) {
  const id = requestId(i)
  await ledger.openHold({ requestId: id, payer: alice.address, maxChargeNanoTau: 10n, maxFreeBytes: 5 })
  if (i % 3 !== 0) {
    await ledger.settle({
      requestId: id,
      chargeNanoTau: 3n,
      freeBytesUsed: 1,
      billableBytes: 7,
      extraBatchOps: [{ type: 'put', key: new Uint8Array([PREFIX.TRANSFER_PENDING, ...uint64Bytes(i)]), value: id }]
    })
  }
  if (i === start + 50) process.stdout.write('ready\n')
}
