// Proves a full disk is a typed error with no partial state: with the database on a 2 MiB tmpfs
// (or, where mounting is not permitted, under RLIMIT_FSIZE), a settle that cannot be written fails
// with LedgerStorageError (or LogCommitFailedError caused by one), the key space is unchanged, and
// once space is freed and the database reopened, accounts check is clean.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { dumpKeySpace, requestId, settlement, testKey } from '../helpers/ledger.js'
import { openAccounts, RELAY, recordOf } from '../helpers/transfer-log.js'

const alice = testKey('alice')
const CHUNK = new Uint8Array(16 * 1024).fill(0x5a)

function tryMount (dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Writes filler until the file system refuses (ENOSPC). */
async function fill (dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(dir, `filler-${i}`), CHUNK)
    } catch (err: unknown) {
      assert.equal((err as { code?: string }).code, 'ENOSPC')
      // a last small file takes what a 16 KiB chunk could not
      try { await writeFile(join(dir, 'filler-tail'), CHUNK.subarray(0, 1024)) } catch {}
      return
    }
  }
}

describe('disk full', () => {
  const cleanups: Array<() => Promise<void>> = []
  after(async () => { for (const c of cleanups.reverse()) await c() })

  it('a settle on a full disk fails typed, changes nothing, and the books are clean after space is freed', async (ctx) => {
    const base = await mkdtemp(join(tmpdir(), 'tau-diskfull-'))
    const dir = join(base, 'mnt')
    await mkdir(dir)
    cleanups.push(async () => { await rm(base, { recursive: true, force: true }) })
    if (tryMount(dir)) {
      cleanups.push(async () => { spawnSync('umount', ['-l', dir]) })
      const path = join(dir, 'db')
      const t = await openAccounts({ path })
      await t.ledger.creditSettlement(settlement(alice, 1_000_000n))
      for (let n = 1; n <= 5; n++) {
        await t.ledger.openHold({ requestId: requestId(n), payer: alice.address, maxChargeNanoTau: 10n })
        await t.log.settle({ requestId: requestId(n), chargeNanoTau: 5n, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(n, alice.address, 5n))
      }
      // holds first: once LevelDB has seen a write error it refuses every later write
      for (let n = 6; n <= 10; n++) await t.ledger.openHold({ requestId: requestId(n), payer: alice.address, maxChargeNanoTau: 10n })
      await fill(dir)
      const failures: string[] = []
      let unchanged = false
      for (let n = 6; n <= 10 && !unchanged; n++) {
        const before = await dumpKeySpace(t.db)
        try {
          await t.log.settle({ requestId: requestId(n), chargeNanoTau: 5n, freeBytesUsed: 0, billableBytes: 1000 }, recordOf(n, alice.address, 5n))
        } catch (err: unknown) {
          const e = err as Error & { storageCode?: string }
          if (e.name === 'LedgerStorageError') {
            // the settle batch itself failed: nothing of it may be on disk
            assert.equal(e.storageCode, 'LEVEL_IO_ERROR')
            assert.deepEqual(await dumpKeySpace(t.db), before, 'the failed batch left nothing behind')
            unchanged = true
          } else {
            // the settle batch fit in the WAL's last page, the commit's did not: charged and pending together
            assert.equal(e.name, 'LogCommitFailedError', e.message)
            assert.equal((e.cause as Error).name, 'LedgerStorageError')
          }
          failures.push(e.name)
        }
      }
      assert.ok(unchanged, `a settle failed with LedgerStorageError (failures: ${failures.join(', ')})`)
      await t.log.stop()
      await t.ledger.stop()
      await t.db.close()
      for (const name of ['filler-0', 'filler-1', 'filler-tail']) await rm(join(dir, name), { force: true })
      const reopened = await openAccounts({ path })
      const report = await accountsCheck(reopened.db, { expectedRelayAddress: RELAY.address })
      assert.deepEqual(report.violations, [])
      assert.equal(report.ledger.totals.openHolds, 0)
      assert.equal(report.log.totals.pending, 0)
      assert.equal(report.log.totals.records, report.log.totals.settledOutcomes, 'every charge written is logged')
      assert.ok(report.log.totals.records >= 5)
      await reopened.cleanup()
      ctx.diagnostic('disk full: tmpfs size=2m')
      return
    }
    // no mount permission: RLIMIT_FSIZE on a child makes LevelDB's writes fail with EFBIG
    const path = join(dir, 'db')
    const child = fileURLToPath(new URL('../helpers/disk-full-child.js', import.meta.url))
    const run = spawnSync('sh', ['-c', `ulimit -f 256 && exec "${process.execPath}" "${child}" "${path}"`], { encoding: 'utf8' })
    assert.match(run.stdout, /(LogCommitFailedError LedgerStorageError changed \/ )?LedgerStorageError \S+ same\n$/, run.stdout + run.stderr)
    const reopened = await openAccounts({ path })
    const report = await accountsCheck(reopened.db, { expectedRelayAddress: RELAY.address })
    assert.deepEqual(report.violations, [])
    await reopened.cleanup()
    ctx.diagnostic('disk full: RLIMIT_FSIZE (mount not permitted)')
  })
})
