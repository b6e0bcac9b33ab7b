/**
 * Proves the shipped Prometheus files are valid by Prometheus' own tool: `promtool check config`
 * accepts prometheus.yml and the rule file it names, `promtool check rules` accepts alerts.yml,
 * the alert unit tests of alerts.test.yml pass (each alert fires on its condition and not on a
 * healthy neighbour), and the operational gauges of relay/ops-metrics.ts lint clean with
 * `promtool check metrics`. A missing promtool fails these tests rather than skipping them.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { startOpsMetrics } from '../../relay/ops-metrics.js'
import { deployPath } from '../helpers/deploy.js'
import { createTestLedger } from '../helpers/ledger.js'
import type { TestLedger } from '../helpers/ledger.js'

/** Runs promtool with `args` (and `input` on stdin) in `cwd`. */
function promtool (args: string[], options: { cwd?: string, input?: string } = {}): { status: number | null, output: string } {
  const run = spawnSync('promtool', args, { cwd: options.cwd, input: options.input, encoding: 'utf8', timeout: 30_000 })
  const missing = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
  assert.equal(missing, false, 'promtool is not installed: apt-get install -y prometheus (Debian) — this test does not skip')
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` }
}

describe('promtool on the shipped Prometheus files', () => {
  const prometheusDir = deployPath('prometheus')

  it('accepts prometheus.yml with its rule file', () => {
    const result = promtool(['check', 'config', 'prometheus.yml'], { cwd: prometheusDir })
    assert.equal(result.status, 0, result.output)
    assert.match(result.output, /SUCCESS: 1 rule files found/)
  })

  it('accepts alerts.yml', () => {
    const result = promtool(['check', 'rules', 'alerts.yml'], { cwd: prometheusDir })
    assert.equal(result.status, 0, result.output)
    assert.match(result.output, /SUCCESS: \d+ rules found/)
  })

  it('passes the alert unit tests', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: prometheusDir })
    assert.equal(result.status, 0, result.output)
    assert.match(result.output, /SUCCESS/)
  })

  it('fails the alert unit tests when an alert threshold moves (the tests can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-relay-alerts-'))
    try {
      await copyFile(join(prometheusDir, 'alerts.test.yml'), join(dir, 'alerts.test.yml'))
      const rules = await readFile(join(prometheusDir, 'alerts.yml'), 'utf8')
      const mutated = rules.replace('taurelay_reservations / taurelay_reservation_limit > 0.9', 'taurelay_reservations / taurelay_reservation_limit > 0.95')
      assert.notEqual(mutated, rules, 'the reservation alert expression changed: update this test')
      await writeFile(join(dir, 'alerts.yml'), mutated)
      const result = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: dir })
      assert.notEqual(result.status, 0, result.output)
      assert.match(result.output, /TauRelayReservationsNearLimit/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('promtool on the operational gauges', () => {
  let t: TestLedger
  before(async () => { t = await createTestLedger() })
  after(async () => { await t.cleanup() })

  it('lints clean with promtool check metrics after a ledger check', async () => {
    const registry = new Registry()
    const ops = startOpsMetrics({ registry, dataDir: t.dir, db: t.db, ledger: t.ledger, reservationLimit: async () => 128 }, { ledgerCheckIntervalMs: 0 })
    try {
      await ops.checkLedger()
      const text = await registry.metrics()
      const result = promtool(['check', 'metrics'], { input: text })
      assert.equal(result.status, 0, result.output)
      assert.equal(result.output.trim(), '', `promtool reported lint problems:\n${result.output}`)
      for (const name of ['taurelay_data_dir_available_bytes', 'taurelay_data_dir_size_bytes', 'taurelay_reservation_limit', 'taurelay_log_pending_records',
        'taurelay_ledger_check_violations', 'taurelay_ledger_check_last_run_timestamp_seconds', 'taurelay_ledger_checks_total']) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
      }
    } finally {
      await ops.stop()
    }
  })
})
