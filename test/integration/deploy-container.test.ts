/**
 * Proves, by reading deploy/Dockerfile (no Docker engine here), that the image is built in stages
 * from node:20-bookworm-slim, installs production dependencies without the root `prepare`, runs
 * as a non-root user with /data as its data volume, exposes exactly the relay's default libp2p
 * ports, checks health with Node and starts the CLI's `start` from the path package.json names;
 * that the build context keeps out local installs, data and secrets; and that the health check
 * script exits 0 against the relay's real HTTP server and 1 when nothing listens or /healthz fails.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { START_USAGE } from '../../relay/cli/start.js'
import { CONFIG_ENV } from '../../relay/config.js'
import { DEFAULT_LISTEN } from '../../relay/config-defaults.js'
import { REPO_ROOT, deployPath, freePort, readDeployFile } from '../helpers/deploy.js'
import { startTestHttpServer } from '../helpers/http-server.js'
import { childEnv, runCommand } from '../helpers/relay-process.js'
import type { Server } from 'node:http'
import type { TestHttpServer } from '../helpers/http-server.js'

interface Instruction { op: string, args: string }

/** The Dockerfile's instructions per stage (continuation lines joined, comments dropped). */
function stages (text: string): Instruction[][] {
  const joined = text.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').replace(/\\\n/g, ' ')
  const result: Instruction[][] = [[]]
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line)
    if (match === null) continue
    if (match[1] === 'FROM') result.push([])
    result[result.length - 1].push({ op: match[1], args: match[2].replace(/\s+/g, ' ').trim() })
  }
  return result
}

const args = (stage: Instruction[], op: string): string[] => stage.filter((i) => i.op === op).map((i) => i.args)

/** Runs the image's health check script with `listen` as TAU_RELAY_HTTP_LISTEN. */
async function healthcheck (listen: string): Promise<{ code: number, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [deployPath('healthcheck.mjs')], { env: { ...process.env, TAU_RELAY_HTTP_LISTEN: listen }, timeout: 15_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr })
    })
  })
}

describe('deploy/Dockerfile', () => {
  let preamble: Instruction[]
  let build: Instruction[]
  let deps: Instruction[]
  let runtime: Instruction[]

  before(async () => {
    const all = stages(await readDeployFile('Dockerfile'))
    assert.equal(all.length, 4, 'ARG preamble + build, deps and runtime stages')
    ;[preamble, build, deps, runtime] = all
  })

  it('builds in stages from node:20-bookworm-slim: npm ci + npm run build, then production dependencies with their install scripts', () => {
    assert.deepEqual(args(preamble, 'ARG'), ['NODE_IMAGE=node:20-bookworm-slim'])
    // every stage from the one base image argument
    assert.deepEqual([build, deps, runtime].map((s) => s[0].args.replace(/^\$\{NODE_IMAGE\}/, 'NODE_IMAGE')), ['NODE_IMAGE AS build', 'NODE_IMAGE AS deps', 'NODE_IMAGE'])
    const buildRuns = args(build, 'RUN')
    assert.ok(buildRuns.some((r) => r.startsWith('npm ci')), 'build stage runs npm ci')
    assert.ok(buildRuns.includes('npm run build'))
    const depsRun = args(deps, 'RUN').join(' && ')
    // `--omit=dev` without `--ignore-scripts` would run the root prepare (tsc, a dev dependency) and fail
    assert.match(depsRun, /npm ci --omit=dev --ignore-scripts .*&& npm rebuild/)
    assert.match(depsRun, /import\('classic-level'\)/, 'the native binding is loaded at build time')
  })

  it('runs as a non-root user with /data as the data volume', () => {
    const user = args(runtime, 'USER')
    assert.equal(user.length, 1)
    const [uid, gid] = user[0].split(':')
    assert.ok(/^[0-9]+$/.test(uid) && Number(uid) !== 0, `USER ${user[0]} must be a numeric non-root uid`)
    assert.ok(gid === undefined || Number(gid) !== 0)
    const made = args(runtime, 'RUN').join(' ')
    assert.match(made, new RegExp(`useradd [^&]*--uid ${uid} `), 'the user exists in the image')
    assert.match(made, /chown tau-relay:tau-relay \/data/)
    assert.deepEqual(args(runtime, 'VOLUME'), ['/data'])
    const env = args(runtime, 'ENV').join(' ')
    assert.match(env, /TAU_RELAY_DATA_DIR=\/data/)
    const known = new Set<string>(Object.values(CONFIG_ENV))
    for (const [, name] of env.matchAll(/(TAU_RELAY_[A-Z_]+)=/g)) assert.ok(known.has(name), `${name} is not a variable the relay knows`)
  })

  it('exposes exactly the TCP ports of the default libp2p listen addresses', () => {
    const defaults = DEFAULT_LISTEN.map((a) => `${/\/tcp\/(\d+)/.exec(a)?.[1] ?? 'none'}/tcp`).sort()
    assert.deepEqual(args(runtime, 'EXPOSE').join(' ').split(' ').sort(), defaults)
  })

  it('checks health with Node on the shipped script, which the image contains', () => {
    const check = args(runtime, 'HEALTHCHECK')
    assert.equal(check.length, 1)
    assert.match(check[0], /CMD \["node", "\/opt\/tau-relay\/deploy\/healthcheck\.mjs"\]$/)
    assert.ok(args(runtime, 'COPY').includes('deploy/healthcheck.mjs ./deploy/healthcheck.mjs'))
    assert.deepEqual(args(runtime, 'WORKDIR'), ['/opt/tau-relay'])
  })

  it('starts `tau-relay start` from the bin path package.json names', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    const entry = JSON.parse(args(runtime, 'ENTRYPOINT')[0]) as string[]
    const cmd = JSON.parse(args(runtime, 'CMD')[0]) as string[]
    assert.deepEqual([...entry, ...cmd], ['node', `/opt/tau-relay/${pkg.bin['tau-relay']}`, 'start'])
    assert.deepEqual(args(runtime, 'STOPSIGNAL'), ['SIGTERM'])
    // the same entry point, compiled here, knows `start`
    const help = await runCommand(['start', '--help'], { cwd: REPO_ROOT, env: childEnv({}) })
    assert.equal(help.code, 0, help.stderr)
    assert.equal(help.stdout.trim(), START_USAGE)
  })

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    for (const pattern of ['.git', '**/node_modules', 'dist', 'dist-*', 'data', 'deploy/secrets', '**/admin.token', '**/*.key']) assert.ok(ignored.includes(pattern), pattern)
    const sources = [...build, ...deps, ...runtime].filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(' ').slice(0, -1))
    assert.ok(sources.length > 0)
    for (const source of sources) {
      assert.ok(existsSync(join(REPO_ROOT, source)), `COPY ${source}: missing`)
      assert.ok(!ignored.includes(source) && !ignored.includes(source.split('/')[0]), `COPY ${source}: excluded by .dockerignore`)
    }
  })
})

describe('deploy/healthcheck.mjs', () => {
  let relayHttp: TestHttpServer
  let failing: Server
  let failingPort: number

  before(async () => {
    relayHttp = await startTestHttpServer()
    failing = createServer((_req, res) => { res.writeHead(503).end() })
    failingPort = await freePort()
    await new Promise<void>((resolve) => failing.listen(failingPort, '127.0.0.1', resolve))
  })
  after(async () => {
    await relayHttp.cleanup()
    await new Promise<void>((resolve) => failing.close(() => { resolve() }))
  })

  it('exits 0 against the relay\'s HTTP server, also when the listen host is the wildcard', async () => {
    assert.deepEqual(await healthcheck(`127.0.0.1:${relayHttp.port}`), { code: 0, stderr: '' })
    assert.deepEqual(await healthcheck(`0.0.0.0:${relayHttp.port}`), { code: 0, stderr: '' })
  })

  it('exits 1 when nothing listens, when /healthz is not 200, and on a malformed address', async () => {
    const closed = await healthcheck(`127.0.0.1:${await freePort()}`)
    assert.equal(closed.code, 1)
    assert.match(closed.stderr, /failed/)
    const unhealthy = await healthcheck(`127.0.0.1:${failingPort}`)
    assert.equal(unhealthy.code, 1)
    assert.match(unhealthy.stderr, /answered 503/)
    assert.equal((await healthcheck('not-an-address')).code, 1)
  })
})
