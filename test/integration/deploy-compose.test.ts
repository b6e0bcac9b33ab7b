/**
 * Proves deploy/compose.yaml wires the stack consistently (read statically: no Docker engine
 * here) — pinned images, the relay's HTTP on the compose network under the admin-token rule, the
 * scrape target, the Prometheus files and Grafana's provisioning paths all naming what exists —
 * and that its relay environment works on a real relay process: `init` (the relay-init service)
 * followed by `start` with the compose environment starts and serves the admin API with the token
 * `init` wrote, while the same environment without TAU_RELAY_ADMIN_TOKEN_FILE is refused.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONFIG_ENV } from '../../relay/config.js'
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../relay/node-defaults.js'
import { REPO_ROOT, deployPath, readDeployFile } from '../helpers/deploy.js'
import { childEnv, runCommand, startProcess, stopProcess } from '../helpers/relay-process.js'
import type { RelayStartedLine } from '../helpers/relay-process.js'

/** The lines of one top-level service of compose.yaml (two-space indented key to the next one). */
function service (compose: string, name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`)
  assert.ok(start !== -1, `service ${name}`)
  const rest = compose.slice(start + 1)
  const end = rest.slice(1).search(/\n {2}[a-z-]+:\n|\n[a-z]/)
  return end === -1 ? rest : rest.slice(0, end + 1)
}

/** The `environment:` map of a service block (values unquoted, `${X:-d}` left as written). */
function environment (block: string): Record<string, string> {
  const env: Record<string, string> = {}
  const section = block.split(/\n {4}environment:\n/)[1]?.split(/\n {4}[a-z_]+:/)[0] ?? ''
  for (const [, key, value] of section.matchAll(/^ {6}([A-Z_]+): (.*)$/gm)) env[key] = value.replace(/^"|"$/g, '')
  return env
}

describe('deploy/compose.yaml', () => {
  let compose: string
  before(async () => { compose = await readDeployFile('compose.yaml') })

  it('pins every image to a version', () => {
    const images = [...compose.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1])
    assert.ok(images.length >= 3)
    for (const image of images) assert.match(image, /^[\w./-]+:v?\d+\.\d+\.\d+$/, image)
    assert.match(compose, /image: prom\/prometheus:/)
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    assert.match(compose, new RegExp(`^  image: tau-relay:${pkg.version.replaceAll('.', '\\.')}$`, 'm'), 'the relay image is tagged with the package version')
    assert.match(compose, /image: grafana\/grafana:/)
  })

  it('serves the relay\'s HTTP on the compose network only with an explicit admin token, and gives it time to stop', () => {
    const relay = service(compose, 'relay')
    const env = environment(relay)
    const known = new Set<string>(Object.values(CONFIG_ENV))
    for (const name of Object.keys(env)) if (name.startsWith('TAU_RELAY_')) assert.ok(known.has(name), `${name} is not a variable the relay knows`)
    assert.equal(env.TAU_RELAY_HTTP_LISTEN, '0.0.0.0:9464')
    assert.equal(env.TAU_RELAY_ADMIN_TOKEN_FILE, `${env.TAU_RELAY_DATA_DIR}/admin.token`)
    assert.match(relay, /- "127\.0\.0\.1:9464:9464\/tcp"/, 'HTTP published on loopback only')
    assert.match(relay, /condition: service_completed_successfully/)
    const grace = Number(/stop_grace_period: (\d+)s/.exec(relay)?.[1])
    assert.ok(grace * 1000 >= DEFAULT_SHUTDOWN_TIMEOUT_MS + 10_000, `stop_grace_period ${grace}s`)
    assert.deepEqual(environment(service(compose, 'relay-init')), { TAU_RELAY_DATA_DIR: env.TAU_RELAY_DATA_DIR })
  })

  it('scrapes the relay service at its HTTP port and mounts the Prometheus files that exist', async () => {
    const scrape = await readDeployFile('prometheus', 'prometheus.yml')
    assert.match(scrape, /^\s+- relay:9464$/m)
    const prometheus = service(compose, 'prometheus')
    for (const [, source, target] of prometheus.matchAll(/- \.\/(prometheus\/[\w.]+):(\/etc\/prometheus\/[\w.]+):ro/g)) {
      assert.ok(existsSync(deployPath(source)), source)
      assert.ok(prometheus.includes(`--config.file=${target}`) || target.endsWith('alerts.yml'), target)
    }
    assert.match(prometheus, /prometheus\/alerts\.yml:\/etc\/prometheus\/alerts\.yml:ro/)
    assert.match(prometheus, /--web\.listen-address=0\.0\.0\.0:9090/)
  })

  it('provisions Grafana from paths the compose mounts: the Prometheus service and the dashboard folder', async () => {
    const grafana = service(compose, 'grafana')
    const datasource = await readDeployFile('grafana', 'provisioning', 'datasources', 'prometheus.yaml')
    assert.match(datasource, /url: http:\/\/prometheus:9090$/m)
    const provider = await readDeployFile('grafana', 'provisioning', 'dashboards', 'tau-relay.yaml')
    const path = /^\s+path: (\S+)$/m.exec(provider)?.[1]
    assert.ok(path !== undefined)
    assert.ok(grafana.includes(`- ./grafana/dashboards:${path}:ro`), `dashboards mounted at ${path}`)
    assert.ok(grafana.includes('- ./grafana/provisioning:/etc/grafana/provisioning:ro'))
    assert.ok(grafana.includes(`${path}/tau-relay.json`), 'home dashboard')
    assert.ok(existsSync(deployPath('grafana', 'dashboards', 'tau-relay.json')))
  })
})

describe('the compose relay environment on a real relay', () => {
  let dir: string
  let env: Record<string, string>

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-relay-compose-'))
    const composeEnv = environment(service(await readDeployFile('compose.yaml'), 'relay'))
    // the compose values, moved to a temporary data dir and loopback ports
    env = childEnv({
      TAU_RELAY_DATA_DIR: join(dir, 'data'),
      TAU_RELAY_ADMIN_TOKEN_FILE: composeEnv.TAU_RELAY_ADMIN_TOKEN_FILE.replace(composeEnv.TAU_RELAY_DATA_DIR, join(dir, 'data')),
      TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0',
      TAU_RELAY_LOG_FORMAT: 'json'
    })
    const init = await runCommand(['init'], { cwd: dir, env: childEnv({ TAU_RELAY_DATA_DIR: join(dir, 'data') }) })
    assert.equal(init.code, 0, init.stderr)
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('starts after init with the token file init wrote, and that token opens /admin', async () => {
    const relay = await startProcess<RelayStartedLine>(['start'], { cwd: dir, env: { ...env, TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0' }, msg: 'relay started' })
    try {
      const token = (await readFile(env.TAU_RELAY_ADMIN_TOKEN_FILE, 'utf8')).trim()
      assert.equal((await fetch(`${relay.line.http}/admin/accounts`)).status, 401)
      assert.equal((await fetch(`${relay.line.http}/admin/accounts`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
    } finally {
      assert.equal((await stopProcess(relay, 'SIGTERM')).code, 0)
    }
  })

  it('refuses the wildcard HTTP listen without TAU_RELAY_ADMIN_TOKEN_FILE (before binding it)', async () => {
    const { TAU_RELAY_ADMIN_TOKEN_FILE: _omitted, ...withoutToken } = env
    const run = await runCommand(['start'], { cwd: dir, env: { ...withoutToken, TAU_RELAY_HTTP_LISTEN: '0.0.0.0:0' } })
    assert.notEqual(run.code, 0)
    assert.match(run.stdout + run.stderr, /AdminExposedError/)
  })
})
