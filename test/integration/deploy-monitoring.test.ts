/**
 * Proves the shipped monitoring works against a real relay: a real Prometheus, started with the
 * shipped scrape config (target rewritten to a test relay, 1 s intervals) and the shipped alert
 * rules, scrapes a relay process that has served one real sync, stores `taurelay_build_info` and
 * the completed sync, and evaluates every alert rule without error and without a false alarm;
 * every alert expression and every Grafana dashboard query names only metrics that relay exposes
 * (or Prometheus' own `up`), and every dashboard query runs in Prometheus.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { packageVersion } from '../../relay/build-info.js'
import { exposedMetricNames, pollUntil, promqlMetricNames, readDeployFile, startSyncedRelay } from '../helpers/deploy.js'
import { promQuery, promRules, startPrometheus } from '../helpers/prometheus.js'
import type { SyncedRelay } from '../helpers/deploy.js'
import type { PromRule, RunningPrometheus } from '../helpers/prometheus.js'

/** Panels the deploy issue asks for, by title. */
const REQUIRED_PANELS = ['Syncs by outcome', 'Throughput', 'Charges', 'Free vs paid bytes', 'Reservations', 'Rejections by reason', 'Log commit latency', 'libp2p connections']
/** Longest wait for a scrape or a rule evaluation at 1 s intervals. */
const SCRAPE_WAIT_MS = 20_000

interface Panel { title: string, datasource?: { uid?: string }, targets?: Array<{ expr: string, datasource?: { uid?: string } }> }

/** `text` with `from` replaced by `to`, asserting that `from` occurs exactly once. */
function replaceOnce (text: string, from: string, to: string): string {
  assert.equal(text.split(from).length - 1, 1, `the shipped prometheus.yml should contain '${from}' once`)
  return text.replace(from, to)
}

describe('the metric-name extractor the checks below rely on', () => {
  it('finds metric names and nothing else', () => {
    assert.deepEqual(promqlMetricNames('sum by (reason) (rate(a_total{x="y", le=~"b|c"}[5m])) / on(instance) group_left b_bytes > bool 1e9 or up'), ['a_total', 'b_bytes', 'up'])
    assert.deepEqual(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(h_seconds_bucket{instance=~"$instance"}[$__rate_interval]))) * 3600 / 1e9'), ['h_seconds_bucket'])
    assert.deepEqual(promqlMetricNames('predict_linear(x[6h], 24 * 3600) < 0 and y / z < 0.5'), ['x', 'y', 'z'])
  })
})

describe('monitoring against a real relay and a real Prometheus', () => {
  let synced: SyncedRelay | undefined
  let prom: RunningPrometheus | undefined
  let exposed: Set<string>

  before(async () => {
    synced = await startSyncedRelay()
    let config = await readDeployFile('prometheus', 'prometheus.yml')
    config = replaceOnce(config, '- relay:9464', `- ${synced.httpAddress}`)
    config = replaceOnce(config, 'scrape_interval: 15s', 'scrape_interval: 1s')
    config = replaceOnce(config, 'scrape_timeout: 10s', 'scrape_timeout: 1s')
    config = replaceOnce(config, 'evaluation_interval: 15s', 'evaluation_interval: 1s')
    prom = await startPrometheus({ 'prometheus.yml': config, 'alerts.yml': await readDeployFile('prometheus', 'alerts.yml') })
    exposed = exposedMetricNames(await (await fetch(`http://${synced.httpAddress}/metrics`)).text())
  })

  after(async () => {
    await prom?.stop()
    await synced?.cleanup()
  })

  function url (): string {
    assert.ok(prom !== undefined)
    return prom.url
  }

  it('scrapes taurelay_build_info and the completed sync', async () => {
    const build = await pollUntil(async () => {
      const result = await promQuery(url(), 'taurelay_build_info{job="tau-relay"}')
      return result.length > 0 ? result : undefined
    }, SCRAPE_WAIT_MS, 'taurelay_build_info in Prometheus')
    assert.equal(build.length, 1)
    assert.equal(build[0].metric.version, packageVersion())
    assert.equal(build[0].metric.instance, synced?.httpAddress)
    assert.equal(build[0].value[1], '1')

    const completed = await pollUntil(async () => {
      const result = await promQuery(url(), 'taurelay_syncs_total{job="tau-relay", outcome="completed"}')
      return result.length === 1 && Number(result[0].value[1]) >= 1 ? result : undefined
    }, SCRAPE_WAIT_MS, 'the completed sync in Prometheus')
    assert.equal(Number(completed[0].value[1]), 1)
    const up = await promQuery(url(), 'up{job="tau-relay"}')
    assert.deepEqual(up.map((s) => s.value[1]), ['1'])
  })

  it('loads every alert of alerts.yml and evaluates each without error or false alarm', async () => {
    const shipped = [...(await readDeployFile('prometheus', 'alerts.yml')).matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]).sort()
    assert.ok(shipped.length >= 6, 'the issue lists six alerts')
    const rules = await pollUntil(async () => {
      const loaded = await promRules(url())
      return loaded.length > 0 && loaded.every((r) => !r.lastEvaluation.startsWith('0001-')) ? loaded : undefined
    }, SCRAPE_WAIT_MS, 'every rule evaluated once')
    assert.deepEqual(rules.map((r) => r.name).sort(), shipped)
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`)
    const alerts = await (await fetch(`${url()}/api/v1/alerts`)).json() as { data: { alerts: Array<{ labels: { alertname: string }, state: string }> } }
    assert.deepEqual(alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname), [], 'a healthy relay raises no alert')
  })

  it('alert expressions name only metrics the relay exposes, or up', async () => {
    const rules: PromRule[] = await promRules(url())
    assert.ok(rules.length > 0)
    for (const rule of rules) {
      const names = promqlMetricNames(rule.query)
      assert.ok(names.length > 0, `${rule.name} names no metric`)
      assert.deepEqual(names.filter((n) => n !== 'up' && !exposed.has(n)), [], `${rule.name}: ${rule.query}`)
    }
  })

  it('the dashboard has the issue\'s panels on the provisioned data source; its queries name exposed metrics and run', async () => {
    const dashboard = JSON.parse(await readDeployFile('grafana', 'dashboards', 'tau-relay.json')) as { uid: string, panels: Panel[] }
    const titles = dashboard.panels.map((p) => p.title)
    for (const title of REQUIRED_PANELS) assert.ok(titles.includes(title), `panel '${title}'`)
    const uid = /^\s*uid: (\S+)$/m.exec(await readDeployFile('grafana', 'provisioning', 'datasources', 'prometheus.yaml'))?.[1]
    assert.equal(uid, 'prometheus')
    let queries = 0
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource?.uid, uid, panel.title)
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has no query`)
      for (const target of panel.targets ?? []) {
        assert.equal(target.datasource?.uid, uid, panel.title)
        const names = promqlMetricNames(target.expr)
        assert.ok(names.length > 0, `${panel.title}: ${target.expr}`)
        assert.deepEqual(names.filter((n) => n !== 'up' && !exposed.has(n)), [], `${panel.title}: ${target.expr}`)
        // Grafana's variables, as Grafana would fill them in
        const expr = target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*')
        await assert.doesNotReject(promQuery(url(), expr), `${panel.title}: ${expr}`)
        queries++
      }
    }
    assert.ok(queries >= REQUIRED_PANELS.length)
  })
})
