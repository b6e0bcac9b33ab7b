/**
 * Child of the disk-full test when no tmpfs can be mounted: runs under `ulimit -f` (RLIMIT_FSIZE)
 * with SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing it. Charges
 * until a settle fails, then prints `failed <error name> <cause name> <same|changed> / …` (every
 * failure seen; same = the key space is unchanged by it) and exits.
 */
import { createHash } from 'node:crypto'
import { requestId, settlement, testKey } from './ledger.js'
import { openAccounts, recordOf } from './transfer-log.js'
import type { ClassicLevel } from 'classic-level'

process.on('SIGXFSZ', () => {})
const alice = testKey('alice')
const t = await openAccounts({ path: process.argv[2] })
await t.ledger.creditSettlement(settlement(alice, 10n ** 12n))

async function digest (db: ClassicLevel<Uint8Array, Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const [key, value] of db.iterator()) hash.update(key).update(value)
  return hash.digest('hex')
}

// one hold is always open ahead: after LevelDB's first write error it refuses every write, holds too
await t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 10n })
const seen: string[] = []
for (let n = 1; ; n++) {
  try {
    await t.ledger.openHold({ requestId: requestId(n + 1), payer: alice.address, maxChargeNanoTau: 10n })
  } catch {}
  const before = await digest(t.db)
  try {
    await t.log.settle({ requestId: requestId(n), chargeNanoTau: 5n, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(n, alice.address, 5n))
  } catch (err: unknown) {
    const e = err as Error
    const same = before === await digest(t.db) ? 'same' : 'changed'
    seen.push(`${e.name} ${(e.cause as Error | undefined)?.name ?? '-'} ${same}`)
    if (e.name !== 'LogCommitFailedError') {
      process.stdout.write(`failed ${seen.join(' / ')}\n`)
      process.exit(0)
    }
  }
}
