/**
 * Proves deploy/tau-relay.service is a unit systemd accepts without a warning
 * (`systemd-analyze verify`), rates "OK" or better on `systemd-analyze security`, and carries the
 * directives the deploy issue asks for: its own user and state directory, the data directory in
 * it, the relay's `start` command, a graceful SIGTERM stop with time for the relay's shutdown
 * bound, restarts, a file limit for many peers, and the sandbox (no capabilities, read-only
 * system, syscall filter) — without the one option Node cannot run under.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { CONFIG_ENV } from '../../relay/config.js'
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../relay/node-defaults.js'
import { deployPath, readDeployFile } from '../helpers/deploy.js'

const UNIT = deployPath('tau-relay.service')
/** Highest `systemd-analyze security` exposure accepted (systemd calls ≤ 4.0 "OK"; this unit scored 1.1). */
const MAX_EXPOSURE = 2.0

/** Every `Key=value` of the unit's [Service] section; repeated keys keep every value. */
async function serviceDirectives (): Promise<Map<string, string[]>> {
  const text = await readDeployFile('tau-relay.service')
  const section = text.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0]
  assert.ok(section !== undefined, 'no [Service] section')
  const directives = new Map<string, string[]>()
  for (const line of section.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (match === null) continue
    directives.set(match[1], [...(directives.get(match[1]) ?? []), match[2]])
  }
  return directives
}

/** Runs systemd-analyze; fails (never skips) when it is missing under CI. */
function systemdAnalyze (args: string[]): { status: number | null, output: string } | undefined {
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 30_000 })
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.notEqual(process.env.CI, 'true', 'systemd-analyze is not installed: apt-get install -y systemd')
    return undefined
  }
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` }
}

describe('the systemd unit', () => {
  it('passes systemd-analyze verify without a warning about the unit', () => {
    const result = systemdAnalyze(['verify', UNIT])
    if (result === undefined) return
    assert.equal(result.status, 0, result.output)
    // unknown keys and bad values are warnings with status 0: none may name our unit
    assert.doesNotMatch(result.output, /tau-relay\.service/, result.output)
  })

  it(`scores an exposure of at most ${MAX_EXPOSURE} on systemd-analyze security`, () => {
    const result = systemdAnalyze(['security', '--offline=true', '--no-pager', UNIT])
    if (result === undefined) return
    const exposure = /Overall exposure level for tau-relay\.service: ([0-9.]+)/.exec(result.output)?.[1]
    assert.ok(exposure !== undefined, result.output)
    assert.ok(Number(exposure) <= MAX_EXPOSURE, `exposure ${exposure}:\n${result.output}`)
  })

  it('runs the relay\'s start command as its own user, with the state directory as data directory', async () => {
    const d = await serviceDirectives()
    assert.deepEqual(d.get('ExecStart'), ['node /opt/tau-relay/dist/relay/main.js start'])
    assert.deepEqual(d.get('DynamicUser'), ['yes'])
    assert.deepEqual(d.get('StateDirectory'), ['tau-relay'])
    assert.ok(d.get('Environment')?.includes('TAU_RELAY_DATA_DIR=%S/tau-relay'))
    // every TAU_RELAY_* name the unit sets must be one the relay knows, or it refuses to start
    const known = new Set<string>(Object.values(CONFIG_ENV))
    for (const env of d.get('Environment') ?? []) {
      const name = env.split('=')[0]
      if (name.startsWith('TAU_RELAY_')) assert.ok(known.has(name), name)
    }
  })

  it('stops with SIGTERM and waits longer than the relay\'s shutdown bound; restarts on failure', async () => {
    const d = await serviceDirectives()
    assert.deepEqual(d.get('KillSignal'), ['SIGTERM'])
    const stopSeconds = Number(/^(\d+)s$/.exec(d.get('TimeoutStopSec')?.[0] ?? '')?.[1])
    // the network bound, then the log commit and LevelDB close, then the 2 s exit safety net
    assert.ok(stopSeconds * 1000 >= DEFAULT_SHUTDOWN_TIMEOUT_MS + 10_000, `TimeoutStopSec ${stopSeconds}s`)
    assert.deepEqual(d.get('Restart'), ['on-failure'])
    assert.ok(d.has('RestartSec'))
    assert.ok(Number(d.get('LimitNOFILE')?.[0]) >= 65536)
  })

  it('sandboxes the process, but leaves V8 its writable+executable memory', async () => {
    const d = await serviceDirectives()
    for (const [key, value] of [['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', '']]) {
      assert.deepEqual(d.get(key), [value], key)
    }
    assert.ok(d.get('SystemCallFilter')?.includes('@system-service'))
    const families = d.get('RestrictAddressFamilies')?.[0]?.split(/\s+/) ?? []
    // AF_NETLINK: os.networkInterfaces(), which libp2p needs to expand 0.0.0.0 listen addresses
    assert.deepEqual(families.sort(), ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX'])
    assert.notDeepEqual(d.get('MemoryDenyWriteExecute'), ['yes'])
  })
})
