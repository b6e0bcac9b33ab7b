/**
 * Proves the config loader: defaults from named constants with no file, the example file parses
 * to exactly the defaults (so it cannot rot), file values with paths relative to the file,
 * TAU_RELAY_* overrides on top of the file, and every bad key — file and environment — reported
 * together in one ConfigError.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { adminTokenPath, defaultConfigJson, isAdminTokenConfigured, loadConfig } from '../../../relay/config.js'
import { DEFAULT_HTTP_PORT, DEFAULT_LISTEN } from '../../../relay/config-defaults.js'
import { DEFAULT_POLICY } from '../../../protocol/policy-schema.js'
import { httpServerInit } from '../../../relay/http/init-from-config.js'
import type { ConfigError } from '../../../relay/errors.js'

const EXAMPLE = fileURLToPath(new URL('../../../../relay.config.example.json', import.meta.url))

describe('loadConfig', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tau-config-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  async function file (name: string, json: unknown): Promise<string> {
    const path = join(dir, name)
    await writeFile(path, typeof json === 'string' ? json : JSON.stringify(json))
    return path
  }

  it('uses the defaults when there is no file and no environment', () => {
    const config = loadConfig({ env: {}, cwd: dir })
    assert.equal(config.dataDir, join(dir, 'data'))
    assert.deepEqual(config.libp2p.listen, [...DEFAULT_LISTEN])
    assert.equal(config.http.host, '127.0.0.1')
    assert.equal(config.http.port, DEFAULT_HTTP_PORT)
    assert.equal(config.initialPolicy.perMiBNanoTau, DEFAULT_POLICY.pricing.perMiB)
    assert.equal(typeof config.initialPolicy.minTopUpNanoTau, 'bigint')
    assert.equal(config.admin.tokenFile, null)
    assert.equal(isAdminTokenConfigured(config), false)
    assert.equal(adminTokenPath(config), join(dir, 'data', 'admin.token'))
  })

  it('parses relay.config.example.json to exactly the defaults, naming every key', async () => {
    const example = JSON.parse(await readFile(EXAMPLE, 'utf8')) as unknown
    assert.deepEqual(example, defaultConfigJson())
    const config = loadConfig({ file: EXAMPLE, env: {}, cwd: dir })
    assert.deepEqual({ ...config, dataDir: 'x' }, { ...loadConfig({ env: {}, cwd: dir }), dataDir: 'x' })
  })

  it('reads a file, resolving its relative paths against the file and amounts to bigint', async () => {
    const path = await file('a.json', { dataDir: 'relay-data', http: { port: 8080 }, admin: { tokenFile: 'secret/token' }, initialPolicy: { perMiBNanoTau: '9007199254740993' } })
    const config = loadConfig({ file: path, env: {}, cwd: '/elsewhere' })
    assert.equal(config.dataDir, join(dir, 'relay-data'))
    assert.equal(config.http.port, 8080)
    assert.equal(config.http.host, '127.0.0.1')
    assert.equal(config.admin.tokenFile, join(dir, 'secret/token'))
    assert.equal(isAdminTokenConfigured(config), true)
    const init = httpServerInit(config, 'token')
    assert.equal(init.port, 8080)
    assert.equal(init.adminToken, 'token')
    assert.equal(init.adminTokenConfigured, true)
    assert.equal(httpServerInit({ ...config, admin: { ...config.admin, enabled: false } }, 'token').adminToken, undefined)
    // above 2^53: a JSON number would have lost the last digit
    assert.equal(config.initialPolicy.perMiBNanoTau, 9007199254740993n)
  })

  it('applies TAU_RELAY_* overrides over the file', async () => {
    const path = await file('b.json', { dataDir: 'from-file', http: { host: '127.0.0.1', port: 1 } })
    const config = loadConfig({
      file: path,
      cwd: '/work',
      env: {
        TAU_RELAY_DATA_DIR: 'from-env',
        TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/5001, /ip4/127.0.0.1/tcp/5002/ws',
        TAU_RELAY_HTTP_LISTEN: '[::1]:9999',
        TAU_RELAY_LOG_LEVEL: 'debug',
        PATH: '/usr/bin'
      }
    })
    assert.equal(config.dataDir, '/work/from-env')
    assert.deepEqual(config.libp2p.listen, ['/ip4/127.0.0.1/tcp/5001', '/ip4/127.0.0.1/tcp/5002/ws'])
    assert.equal(config.http.host, '::1')
    assert.equal(config.http.port, 9999)
    assert.equal(config.log.level, 'debug')
  })

  it('takes the file from TAU_RELAY_CONFIG', async () => {
    const path = await file('c.json', { http: { port: 7777 } })
    assert.equal(loadConfig({ env: { TAU_RELAY_CONFIG: path }, cwd: dir }).http.port, 7777)
  })

  it('reports every bad key of the file and the environment at once', async () => {
    const path = await file('bad.json', {
      dataDri: './typo',
      http: { port: 70000, host: 'not a host!', rateLimit: { burst: 0 } },
      libp2p: { listen: ['/ip4/1.2.3.4/tcp/x'] },
      initialPolicy: { perBlockNanoTau: '1.5', perMiBNanoTau: 5 },
      log: { level: 'loud' }
    })
    let error: ConfigError | undefined
    try {
      loadConfig({ file: path, env: { TAU_RELAY_HTTP_LISTEN: 'localhost', TAU_RELAY_FOO: '1' }, cwd: dir })
    } catch (err: unknown) {
      error = err as ConfigError
    }
    assert.equal(error?.name, 'ConfigError')
    const paths = error.issues.map((i) => i.split(':')[0]).sort()
    assert.deepEqual(paths, [
      '<root>', 'TAU_RELAY_FOO', 'TAU_RELAY_HTTP_LISTEN', 'http.host', 'http.port', 'http.rateLimit.burst',
      'initialPolicy.perBlockNanoTau', 'initialPolicy.perMiBNanoTau', 'libp2p.listen.0', 'log.level'
    ])
    assert.match(error.message, /Unrecognized key: "dataDri"/)
    assert.match(error.message, /TAU_RELAY_FOO: unknown environment variable/)
  })

  it('reports a file that is missing or not JSON', async () => {
    assert.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {}, cwd: dir }), { name: 'ConfigError', message: /cannot read \(ENOENT\)/ })
    const path = await file('broken.json', '{"dataDir": ')
    assert.throws(() => loadConfig({ file: path, env: {}, cwd: dir }), { name: 'ConfigError', message: /not JSON/ })
    const array = await file('array.json', '[]')
    assert.throws(() => loadConfig({ file: array, env: {}, cwd: dir }), { name: 'ConfigError', message: /expected a JSON object/ })
  })
})
