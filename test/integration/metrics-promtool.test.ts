/**
 * Proves that what `GET /metrics` serves is valid Prometheus exposition text by Prometheus's own
 * linter, `promtool check metrics` (names, units, `_total` only on counters, help text), after
 * every tracer verb has run so each metric has samples. promtool must be installed (CI installs
 * Debian's `prometheus` package); a missing promtool fails this test rather than skipping it.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { startTestHttpServer } from '../helpers/http-server.js'
import type { TestHttpServer } from '../helpers/http-server.js'

/** promtool's output for `text`, or an error naming why it could not run. */
function promtoolCheck (text: string): { status: number | null, output: string, missing: boolean } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 })
  const missing = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}`, missing }
}

describe('metrics exposition', () => {
  let t: TestHttpServer
  before(async () => {
    t = await startTestHttpServer()
    const m = t.metrics
    m.holdOpened()
    m.settled('settled', 1234n, 100, 200)
    m.holdOpened()
    m.settled('released', 0n, 0, 0)
    m.settlementImported(5n)
    m.seedingCredited(6n)
    m.logCommitted(3, 12)
    m.logCommitFailed()
    m.syncEnded('completed', 1500)
    m.syncRejected('insufficient_funds')
    m.blockRelayed(262144)
    m.targetFirstBlock(40)
    m.reservationRequested('accepted')
    m.reservationRejected('too_many_per_ip')
    m.reservationOpened()
    m.circuitOpened()
    m.circuitBytes(99)
  })
  after(async () => { await t.cleanup() })

  it('passes promtool check metrics', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text()
    const result = promtoolCheck(text)
    assert.equal(result.missing, false, 'promtool is not installed: apt-get install -y prometheus (Debian) — this test does not skip')
    assert.equal(result.status, 0, `promtool check metrics failed:\n${result.output}`)
    assert.equal(result.output.trim(), '', `promtool reported lint problems:\n${result.output}`)
  })

  it('exports every metric the issue lists, with our prefix and no per-peer or per-address label', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text()
    for (const name of [
      'taurelay_build_info', 'taurelay_syncs_total', 'taurelay_rejections_total', 'taurelay_relayed_blocks_total',
      'taurelay_relayed_bytes_total', 'taurelay_charged_bytes_total', 'taurelay_free_bytes_total', 'taurelay_charged_nano_tau_total',
      'taurelay_open_holds', 'taurelay_log_commits_total', 'taurelay_log_commit_duration_seconds', 'taurelay_reservations',
      'taurelay_reservation_requests_total', 'taurelay_reservation_rejections_total', 'taurelay_circuits', 'taurelay_circuit_bytes_total',
      'taurelay_target_first_block_seconds', 'taurelay_sync_duration_seconds'
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
    }
    assert.match(text, /^taurelay_charged_nano_tau_total 1234$/m)
    assert.match(text, /^taurelay_open_holds 0$/m)
    assert.match(text, /^taurelay_reservations 1$/m)
    assert.match(text, /^taurelay_syncs_total\{outcome="rejected"\} 1$/m)
    assert.match(text, /^taurelay_rejections_total\{reason="insufficient_funds"\} 1$/m)
    assert.match(text, /^taurelay_rejections_total\{reason="busy"\} 0$/m)
    const labels = new Set([...text.matchAll(/^taurelay_\w+\{([^}]*)\}/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)="/g)].map((l) => l[1])))
    assert.deepEqual([...labels].sort(), ['commit', 'le', 'outcome', 'reason', 'route', 'status_class', 'version'])
  })
})
