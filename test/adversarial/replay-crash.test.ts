// Proves idempotency survives kill -9: a child process imports a settlement (and, per crash point,
// opens the hold, charges it, or also receives its receipt) and is SIGKILLed right after; after a
// restart the same settlement imported 200 times, the same hold and the same settle sent 1,000
// times each still give exactly one credit and at most one charge, logged exactly once, with
// `accounts check` clean — and a hold the crash left open is released, never charged.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { OPERATOR } from '../helpers/ledger.js'
import { openAccounts, RELAY } from '../helpers/transfer-log.js'
import { REPLAY_CHARGE_NANO_TAU, REPLAY_CREDIT_NANO_TAU, REPLAY_HOLD, REPLAY_PAYER, REPLAY_RECORD, REPLAY_SETTLE, REPLAY_TX } from './replay-fixtures.js'
import type { CrashPoint } from './replay-fixtures.js'
import type { TestAccounts } from '../helpers/transfer-log.js'

const COPIES = 1000
/** Re-imports after the restart: each costs a signature recovery on the ledger's writer (~2–4 ms here), so fewer than the cheap holds and settles. */
const IMPORT_COPIES = 200
const CHILD = fileURLToPath(new URL('./replay-crash-child.js', import.meta.url))
const CHILD_TIMEOUT_MS = 20_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Runs the child up to `point`, then SIGKILLs it the moment it says `done`. */
async function crashAfter (path: string, point: CrashPoint): Promise<void> {
  const proc = spawn(process.execPath, [CHILD, path, point], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = once(proc, 'exit')
  const lines = createInterface({ input: proc.stdout })
  const timer = setTimeout(() => { proc.kill('SIGKILL') }, CHILD_TIMEOUT_MS)
  let done = false
  lines.on('line', (line) => {
    if (line !== 'done') return
    done = true
    proc.kill('SIGKILL')
  })
  const [code, signal] = await exited
  clearTimeout(timer)
  assert.equal(done, true, `the child never reached ${point} (code ${String(code)}): ${stderr}`)
  assert.equal(signal, 'SIGKILL')
}

/** Records of the transfer log naming the replayed request. */
async function loggedRecords (t: TestAccounts): Promise<number> {
  const count = (await t.log.head())?.head.count ?? 0
  let found = 0
  for (let seq = 0; seq < count; seq++) if (hex((await t.log.recordAt(seq))?.requestId ?? new Uint8Array(0)) === hex(REPLAY_RECORD.requestId)) found++
  return found
}

describe('replay after a crash', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async (d) => rm(d, { recursive: true, force: true }))) })

  for (const point of ['credit', 'hold', 'charge', 'receipt'] as const) {
    it(`has one effect when the child is killed right after the ${point}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tau-replay-crash-'))
      dirs.push(dir)
      const path = join(dir, 'db')
      await crashAfter(path, point)
      // the child ran on the real clock: so does the restart, or its entries would sort before the child's
      const t = await openAccounts({ path, ledger: { now: Date.now }, log: { now: Date.now } })
      try {
        const imports = await Promise.all(Array.from({ length: IMPORT_COPIES }, async () => t.ledger.creditSettlement(REPLAY_TX)))
        assert.ok(imports.every((r) => r.duplicate), 'the import survived the kill: every re-import is a duplicate')

        const charged = point === 'charge' || point === 'receipt'
        const holds = await Promise.allSettled(Array.from({ length: COPIES }, async () => t.ledger.openHold(REPLAY_HOLD)))
        const settles = await Promise.allSettled(Array.from({ length: COPIES }, async () => t.ledger.settle({ ...REPLAY_SETTLE, extraBatchOps: t.log.pendingRecordOps(REPLAY_RECORD) })))
        if (point === 'credit') {
          // nothing about the request reached the ledger: the first hold of the replay opens it
          assert.equal(holds.filter((h) => h.status === 'fulfilled').length, COPIES, 'the same hold asked again is the same hold')
          assert.equal(settles.filter((s) => s.status === 'fulfilled').length, COPIES)
          assert.equal(new Set(settles.map((s) => s.status === 'fulfilled' && s.value.journalSeq)).size, 1, 'one charge, answered 1,000 times')
          await t.log.commit(REPLAY_RECORD.requestId)
        } else {
          // the request id is spent: a released hold (the restart released it) or a settled one
          for (const h of holds) assert.equal(h.status === 'rejected' && (h.reason as Error).name, 'RequestIdReusedError')
          for (const s of settles) {
            if (charged) assert.equal(s.status === 'fulfilled' && s.value.chargeNanoTau, REPLAY_CHARGE_NANO_TAU)
            else assert.equal(s.status === 'rejected' && (s.reason as Error).name, 'RequestIdReusedError')
          }
        }

        const account = await t.ledger.account(REPLAY_PAYER.address)
        const chargeNanoTau = point === 'hold' ? 0n : REPLAY_CHARGE_NANO_TAU
        assert.equal(account?.balanceNanoTau, REPLAY_CREDIT_NANO_TAU - chargeNanoTau)
        assert.equal(account?.heldNanoTau, 0n)
        assert.equal(account?.settledCount, point === 'hold' ? 0 : 1)
        const statement = await t.ledger.statement(REPLAY_PAYER.address, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, OPERATOR.privateKey)
        const expected: Array<[string, bigint]> = [['settlement', REPLAY_CREDIT_NANO_TAU]]
        if (point !== 'hold') expected.push(['charge', REPLAY_CHARGE_NANO_TAU])
        assert.deepEqual(statement.entries.map((e) => [e.kind, e.amountNanoTau]), expected)
        assert.equal(await loggedRecords(t), point === 'hold' ? 0 : 1, 'charged ⇔ logged, once')

        await t.log.stop()
        const report = await accountsCheck(t.db, { expectedRelayAddress: RELAY.address })
        assert.deepEqual(report.violations, [])
        assert.equal(report.ledger.totals.openHolds, 0)
        assert.equal(report.log.totals.pending, 0)
      } finally {
        await t.cleanup()
      }
    })
  }
})
