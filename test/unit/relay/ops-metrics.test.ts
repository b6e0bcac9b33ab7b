/**
 * Proves the operational gauges (relay/ops-metrics.ts) report what they measure — the data
 * directory's file system as statfs sees it, the policy's reservation cap, the transfer log's
 * pending records in a real LevelDB (bounded) — that a failing source never fails a scrape, and
 * that the periodic check of a real ledger records ok, violated and error outcomes, never overlaps
 * and is over once `stop()` resolves.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { statfs } from 'node:fs/promises'
import { Registry } from 'prom-client'
import { PREFIX } from '../../../accounting/ledger-keys.js'
import { pendingKey } from '../../../accounting/transfer-log-keys.js'
import { OpsMetrics, startOpsMetrics } from '../../../relay/ops-metrics.js'
import { createTestLedger } from '../../helpers/ledger.js'
import type { LedgerCheckReport } from '../../../accounting/ledger-check.js'
import type { OpsMetricsComponents, OpsMetricsInit } from '../../../relay/ops-metrics.js'
import type { TestLedger } from '../../helpers/ledger.js'

/** The value of an unlabelled sample (or one with `labels`) in exposition `text`. */
function sample (text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? '' : `{${labels}}`} `))
  assert.ok(line !== undefined, `no sample ${name}{${labels}} in:\n${text}`)
  return Number(line.split(' ')[1])
}

async function waitUntil (condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('operational metrics', () => {
  let t: TestLedger
  const started: OpsMetrics[] = []

  before(async () => { t = await createTestLedger() })
  after(async () => {
    for (const ops of started) await ops.stop()
    await t.cleanup()
  })

  function ops (overrides: Partial<OpsMetricsComponents> = {}, init: OpsMetricsInit = {}): { registry: Registry, ops: OpsMetrics } {
    const registry = new Registry()
    const o = startOpsMetrics({ registry, dataDir: t.dir, db: t.db, ledger: t.ledger, reservationLimit: async () => 128, ...overrides }, { ledgerCheckIntervalMs: 0, ...init })
    started.push(o)
    return { registry, ops: o }
  }

  it('measures the data directory\'s file system and the reservation cap', async () => {
    const { registry } = ops({ reservationLimit: async () => 77 })
    const text = await registry.metrics()
    const fs = await statfs(t.dir)
    const size = sample(text, 'taurelay_data_dir_size_bytes')
    const available = sample(text, 'taurelay_data_dir_available_bytes')
    assert.equal(size, fs.blocks * fs.bsize)
    assert.ok(available > 0 && available <= size, `0 < ${available} <= ${size}`)
    // another writer may change free space between the two statfs calls; a block group is the tolerance
    assert.ok(Math.abs(available - fs.bavail * fs.bsize) < 64 * 1024 * 1024)
    assert.equal(sample(text, 'taurelay_reservation_limit'), 77)
  })

  it('counts pending transfer records in LevelDB and only those, up to its bound', async () => {
    for (let i = 0; i < 3; i++) await t.db.put(pendingKey(new Uint8Array(16).fill(i + 1)), new Uint8Array([0xa0]))
    // the neighbours of the pending range must not count
    await t.db.put(new Uint8Array([PREFIX.TRANSFER_PENDING - 1, 1]), new Uint8Array([0]))
    await t.db.put(new Uint8Array([PREFIX.TRANSFER_PENDING + 1, 1]), new Uint8Array([0]))
    try {
      assert.equal(sample(await ops().registry.metrics(), 'taurelay_log_pending_records'), 3)
      assert.equal(sample(await ops({}, { maxPendingCount: 2 }).registry.metrics(), 'taurelay_log_pending_records'), 2)
    } finally {
      for (let i = 0; i < 3; i++) await t.db.del(pendingKey(new Uint8Array(16).fill(i + 1)))
      await t.db.del(new Uint8Array([PREFIX.TRANSFER_PENDING - 1, 1]))
      await t.db.del(new Uint8Array([PREFIX.TRANSFER_PENDING + 1, 1]))
    }
  })

  it('keeps the last value when a source fails, and the scrape still succeeds', async () => {
    let fail = false
    const { registry } = ops({ dataDir: t.dir, reservationLimit: async () => { if (fail) throw new Error('policy store closed'); return 9 } })
    assert.equal(sample(await registry.metrics(), 'taurelay_reservation_limit'), 9)
    fail = true
    assert.equal(sample(await registry.metrics(), 'taurelay_reservation_limit'), 9)
    const { registry: gone } = ops({ dataDir: `${t.dir}/does-not-exist` })
    const text = await gone.metrics()
    assert.equal(sample(text, 'taurelay_data_dir_available_bytes'), 0)
    assert.equal(sample(text, 'taurelay_ledger_checks_total', 'outcome="error"'), 0)
  })

  it('records a clean check of a real ledger, then the violation of a damaged one, then a check that throws', async () => {
    const now = 1_800_000_000_000
    let clock = now
    let broken = false
    const ledger = { check: async (): Promise<LedgerCheckReport> => { if (broken) throw new Error('io'); return t.ledger.check() } }
    const { registry, ops: o } = ops({ ledger }, { now: () => { clock += 250; return clock } })
    let text = await registry.metrics()
    assert.equal(sample(text, 'taurelay_ledger_check_last_run_timestamp_seconds'), 0)
    assert.equal(sample(text, 'taurelay_ledger_check_violations'), 0)

    await o.checkLedger()
    text = await registry.metrics()
    assert.equal(sample(text, 'taurelay_ledger_checks_total', 'outcome="ok"'), 1)
    assert.equal(sample(text, 'taurelay_ledger_check_violations'), 0)
    assert.equal(sample(text, 'taurelay_ledger_check_last_run_timestamp_seconds'), (now + 500) / 1000)
    assert.equal(sample(text, 'taurelay_ledger_check_last_duration_seconds'), 0.25)

    // an account key of the wrong length: the check must report it, not throw
    const badKey = new Uint8Array([PREFIX.ACCOUNT, 1, 2, 3])
    await t.db.put(badKey, new Uint8Array([0]))
    try {
      await o.checkLedger()
    } finally {
      await t.db.del(badKey)
    }
    text = await registry.metrics()
    assert.equal(sample(text, 'taurelay_ledger_checks_total', 'outcome="violated"'), 1)
    assert.ok(sample(text, 'taurelay_ledger_check_violations') >= 1)

    broken = true
    await o.checkLedger()
    text = await registry.metrics()
    assert.equal(sample(text, 'taurelay_ledger_checks_total', 'outcome="error"'), 1)
    // a check that could not run says nothing new about violations
    assert.ok(sample(text, 'taurelay_ledger_check_violations') >= 1)
  })

  it('checks on a timer without overlap, and nothing runs once stop() resolved', async () => {
    let active = 0
    let most = 0
    let calls = 0
    const ledger = {
      check: async (): Promise<LedgerCheckReport> => {
        calls++
        active++
        most = Math.max(most, active)
        await new Promise((resolve) => setTimeout(resolve, 15))
        active--
        return t.ledger.check()
      }
    }
    const { ops: o } = ops({ ledger }, { ledgerCheckFirstDelayMs: 1, ledgerCheckIntervalMs: 1 })
    await waitUntil(() => calls >= 3, 5_000, 'three checks')
    // a manual check while the timer runs joins the running one
    await Promise.all([o.checkLedger(), o.checkLedger()])
    await o.stop()
    assert.equal(active, 0, 'stop() waits for the running check')
    assert.equal(most, 1, 'checks never overlap')
    const after = calls
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(calls, after, 'no check after stop()')
  })

  it('never checks when the interval is 0', async () => {
    let calls = 0
    ops({ ledger: { check: async () => { calls++; return t.ledger.check() } } }, { ledgerCheckFirstDelayMs: 1, ledgerCheckIntervalMs: 0 })
    await new Promise((resolve) => setTimeout(resolve, 30))
    assert.equal(calls, 0)
  })
})
