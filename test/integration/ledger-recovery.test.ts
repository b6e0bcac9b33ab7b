// Proves the ledger survives restarts: state persists across close and reopen; open holds left by
// a stopped or kill -9'd process are released (never charged) by recoverOpenHolds(); after each
// crash every settled charge has its transfer-log pending record (in the log's real layout, so
// accounts check is clean) and check() finds the books balanced; and check() does fail when a raw
// key is corrupted.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { ClassicLevel } from 'classic-level'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { Ledger } from '../../accounting/ledger.js'
import { accountKey, holdKey, journalKey, PREFIX, prefixRange } from '../../accounting/ledger-keys.js'
import { decodeAccount, decodeOutcome } from '../../accounting/ledger-codec.js'
import { createTestLedger, OPERATOR, requestId, settlement, testKey } from '../helpers/ledger.js'

const alice = testKey('alice')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('ledger recovery', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async (d) => rm(d, { recursive: true, force: true }))) })

  it('keeps state across close and reopen, and releases open holds without charging', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-ledger-'))
    dirs.push(dir)
    const init = { operatorAddress: OPERATOR.address, freeQuotaBytes: 100 }
    let ledger = await Ledger.open(join(dir, 'db'), init)
    await ledger.creditSettlement(settlement(alice, 500n))
    await ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 200n })
    await ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 100n })
    await ledger.settle({ requestId: requestId(2), chargeNanoTau: 60n, freeBytesUsed: 0, billableBytes: 60 })
    await ledger.openHold({ requestId: requestId(3), payer: alice.address, maxChargeNanoTau: 50n })
    await ledger.stop() // the process ends with holds 1 and 3 open

    ledger = await Ledger.open(join(dir, 'db'), init)
    const before = await ledger.account(alice.address)
    assert.equal(before?.balanceNanoTau, 440n)
    assert.equal(before?.heldNanoTau, 250n)
    assert.equal(await ledger.recoverOpenHolds(), 2)
    assert.equal(await ledger.recoverOpenHolds(), 0)
    const afterRecovery = await ledger.account(alice.address)
    assert.equal(afterRecovery?.balanceNanoTau, 440n, 'released, not charged')
    assert.equal(afterRecovery?.heldNanoTau, 0n)
    assert.equal(afterRecovery?.heldFreeBytes, 0)
    // a late settle of a recovered request is refused: it was released
    await assert.rejects(ledger.settle({ requestId: requestId(1), chargeNanoTau: 1n, freeBytesUsed: 0, billableBytes: 1 }), { name: 'RequestIdReusedError' })
    assert.deepEqual((await ledger.check()).violations, [])
    await ledger.stop()
  })

  it('after kill -9 at arbitrary points, charged ⇔ logged and the invariants hold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-ledger-'))
    dirs.push(dir)
    const path = join(dir, 'db')
    const child = fileURLToPath(new URL('../helpers/ledger-crash-child.js', import.meta.url))
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, [child, path, String(round * 1_000_000)], { stdio: ['ignore', 'pipe', 'inherit'] })
      const [chunk] = await once(proc.stdout, 'data') as [Buffer]
      assert.match(chunk.toString(), /ready/)
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 15))
      proc.kill('SIGKILL')
      await once(proc, 'exit')

      const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      const ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 1000 })
      await ledger.start()
      assert.ok(await ledger.recoverOpenHolds() >= 1, 'the child always leaves holds open')
      const report = await ledger.check()
      assert.deepEqual(report.violations, [])
      assert.equal(report.totals.openHolds, 0)

      const settled = new Set<string>()
      for await (const [key, value] of db.iterator(prefixRange(PREFIX.OUTCOME))) {
        if (decodeOutcome(key, value).status === 'settled') settled.add(hex(key.subarray(1)))
      }
      const logged = new Set<string>()
      for await (const [key] of db.iterator(prefixRange(PREFIX.TRANSFER_PENDING))) logged.add(hex(key.subarray(1)))
      assert.ok(settled.size > 0)
      assert.deepEqual([...logged].sort(), [...settled].sort())
      const books = await accountsCheck(db)
      assert.deepEqual(books.violations, [])
      assert.equal(books.log.totals.pending, settled.size)
      await ledger.stop()
      await db.close()
    }
  })

  it('check() reports corruption written to raw keys', async () => {
    const t = await createTestLedger()
    try {
      await t.ledger.creditSettlement(settlement(alice, 500n))
      await t.ledger.openHold({ requestId: requestId(1), payer: alice.address, maxChargeNanoTau: 100n })
      await t.ledger.settle({ requestId: requestId(1), chargeNanoTau: 30n, freeBytesUsed: 0, billableBytes: 30 })
      await t.ledger.openHold({ requestId: requestId(2), payer: alice.address, maxChargeNanoTau: 100n })
      assert.equal((await t.ledger.check()).ok, true)

      const key = accountKey(alice.address)
      const original = new Uint8Array(await t.db.get(key) ?? [])
      const account = decodeAccount(key, original)
      const corruptions: Array<[Uint8Array, Uint8Array | undefined, RegExp]> = [
        [key, dagCbor.encode({ ...account, balanceNanoTau: account.balanceNanoTau + 1n }), /balance ≠|sum of balances/],
        [key, dagCbor.encode({ ...account, heldNanoTau: 0n }), /held amounts ≠ open holds/],
        [key, dagCbor.encode({ ...account, balanceNanoTau: 0n, creditedNanoTau: 0n }), /open holds exceed|balance ≠/],
        [holdKey(requestId(2)), new Uint8Array([0xa1, 0x61]), /corrupt ledger value/],
        [journalKey(0), undefined, /settlement .* does not match|missing|points at no journal/],
        [new Uint8Array([PREFIX.ACCOUNT, 1, 2]), new Uint8Array([0]), /wrong length/]
      ]
      for (const [target, value, pattern] of corruptions) {
        const saved = await t.db.get(target)
        if (value === undefined) await t.db.del(target)
        else await t.db.put(target, value)
        const report = await t.ledger.check()
        assert.equal(report.ok, false)
        assert.ok(report.violations.some((v) => pattern.test(v)), report.violations.join('\n'))
        if (saved === undefined) await t.db.del(target)
        else await t.db.put(target, saved)
        assert.deepEqual((await t.ledger.check()).violations, [])
      }
    } finally {
      await t.cleanup()
    }
  })
})
