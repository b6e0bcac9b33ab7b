// Proves crash safety with real processes: a child runs the ledger and transfer log under a
// concurrent stream of credits, holds, charges and commits and is SIGKILLed at random points
// (≥ 50 times, sometimes while it is still recovering); after every restart `accounts check` is
// clean (balances ≥ 0, balances = credits − debits, charged ⇔ logged, no open hold, no pending
// record, heads chained, seq gapless) and no receipt the child acknowledged is ever lost.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { openAccounts, RELAY } from '../helpers/transfer-log.js'

/** SIGKILLs per run: 35 in CI (≈ 45 s); `TAU_SOAK=1` runs 200 (`npm run soak`). */
const KILLS = process.env.TAU_SOAK === '1' ? 200 : 35
const child = fileURLToPath(new URL('../helpers/crash-child.js', import.meta.url))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface CheckLine { violations: string[], released: number, openHolds: number, pending: number, records: number, heads: number, settled: number }

/** Runs one child until killed; returns its startup check (if it got that far) and its acks. */
async function runOnce (path: string, start: number, killEarly: boolean): Promise<{ check?: CheckLine, acks: Array<[string, number]> }> {
  const proc = spawn(process.execPath, [child, path, String(start), '16'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const acks: Array<[string, number]> = []
  let check: CheckLine | undefined
  let readyResolve: () => void = () => {}
  const ready = new Promise<void>((resolve) => { readyResolve = resolve })
  const lines = createInterface({ input: proc.stdout })
  const closed = once(lines, 'close')
  lines.on('line', (line) => {
    if (line.startsWith('ack ')) {
      const [, id, seq] = line.split(' ')
      acks.push([id, Number(seq)])
    } else if (line.startsWith('check ')) {
      check = JSON.parse(line.slice(6)) as CheckLine
    } else if (line === 'ready') {
      readyResolve()
    }
  })
  const exited = once(proc, 'exit')
  if (killEarly) {
    // somewhere inside startup: module loading, hold recovery, the restart commit or the check
    await sleep(50 + Math.random() * 400)
  } else {
    await Promise.race([ready, exited])
    await sleep(20 + Math.random() * 180)
  }
  proc.kill('SIGKILL')
  const [code, signal] = await exited
  assert.equal(signal, 'SIGKILL', `the child died on its own (code ${String(code)}): ${stderr}`)
  await closed
  return { check, acks }
}

describe('crash harness', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async (d) => rm(d, { recursive: true, force: true }))) })

  it(`survives ${KILLS} SIGKILLs with clean accounts and no acknowledged receipt lost`, async (ctx) => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-crash-'))
    dirs.push(dir)
    const path = join(dir, 'db')
    const acked = new Map<string, number>()
    let checks = 0
    let maxRecords = 0
    for (let round = 0; round < KILLS; round++) {
      const killEarly = round % 6 === 5
      const { check, acks } = await runOnce(path, round * 100_000, killEarly)
      if (check !== undefined) {
        checks++
        assert.deepEqual(check.violations, [], `round ${round}`)
        assert.equal(check.openHolds, 0, 'open holds are resolved')
        assert.equal(check.pending, 0, 'the restart finished every pending commit')
        assert.equal(check.records, check.settled, 'charged ⇔ logged')
        assert.ok(check.records >= acked.size, 'no acknowledged record lost')
        maxRecords = Math.max(maxRecords, check.records)
      }
      for (const [id, seq] of acks) acked.set(id, seq)
    }
    assert.ok(checks >= KILLS * 0.7, `${checks} restarts reached their check`)
    assert.ok(acked.size > KILLS, `the children acknowledged ${acked.size} receipts`)

    // a final restart in this process: recover, check, and find every acknowledged receipt
    const t = await openAccounts({ path })
    try {
      const { accountsCheck } = await import('../../accounting/accounts-check.js')
      const report = await accountsCheck(t.db, { expectedRelayAddress: RELAY.address })
      assert.deepEqual(report.violations, [])
      assert.equal(report.log.totals.pending, 0)
      for (const [id, seq] of acked) {
        const record = await t.log.recordAt(seq)
        assert.equal(record === undefined ? undefined : hex(record.requestId), id, `acknowledged seq ${seq}`)
      }
      const sample = [...acked.values()].filter((_, i) => i % 97 === 0)
      for (const seq of sample) assert.equal(verifyReceipt((await t.log.proof(seq))!, { expectedRelayAddress: RELAY.address, seq }).ok, true)
      ctx.diagnostic(`crash harness: ${KILLS} kills, ${checks} checked restarts, ${acked.size} acknowledged receipts, ${report.log.totals.records} records in ${report.log.totals.heads} heads`)
    } finally {
      await t.cleanup()
    }
  })
})
