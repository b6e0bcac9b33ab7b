/**
 * Test helper of the deploy tier: paths of the shipped deploy/ files, the metric names a PromQL
 * expression uses and those an exposition text offers, and a real relay process (`start`) that
 * has run one real sync — a NATed target (`peer serve --relay-only`) and a requester (`fetch`
 * with a fresh key on the free quota), as in e2e-relay-sync.test.ts.
 */
import { createServer } from 'node:net'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import { writeCarFile } from './car.js'
import { TestStore } from './graphsync.js'
import { buildAttachment } from './relay-sync.js'
import { childEnv, runCommand, startProcess, stopProcess } from './relay-process.js'
import type { RelayStartedLine, RunningProcess } from './relay-process.js'

/** The repository root (compiled tests live in `<outDir>/test/helpers/`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Absolute path of a file under deploy/. */
export function deployPath (...parts: string[]): string {
  return join(REPO_ROOT, 'deploy', ...parts)
}

/** The text of a file under deploy/. */
export async function readDeployFile (...parts: string[]): Promise<string> {
  return readFile(deployPath(...parts), 'utf8')
}

/** PromQL words that look like names but are not metrics. */
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/**
 * The metric names `expr` selects: identifiers that are not functions, keywords, label names in
 * matchers or grouping clauses, strings, durations, numbers or Grafana `$variables`.
 */
export function promqlMetricNames (expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/(^|[^\w:])(\d+(\.\d+)?([eE][+-]?\d+)?|0x[0-9a-fA-F]+)(?![\w:])/g, '$1 ')
  const names = new Set<string>()
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((match.index ?? 0) + match[0].length)
    if (/^\s*\(/.test(rest) || PROMQL_WORDS.has(match[0].toLowerCase())) continue
    names.add(match[0])
  }
  return [...names].sort()
}

/** Every sample name an exposition text can hold: families from `# TYPE`, with histogram/summary series. */
export function exposedMetricNames (text: string): Set<string> {
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix)
  }
  return names
}

/** A free TCP port on 127.0.0.1 (closed again; a tiny race no other test here loses). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function pollUntil<T> (probe: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err: unknown) {
      last = err
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`)
}

/** A relay process on loopback that has served one completed sync. */
export interface SyncedRelay {
  relay: RunningProcess<RelayStartedLine>
  /** `host:port` of its HTTP server. */
  httpAddress: string
  cleanup: () => Promise<void>
}

/** Starts a relay, a NATed target and runs one `fetch` through the relay (free quota); the caller runs `cleanup`. */
export async function startSyncedRelay (): Promise<SyncedRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-relay-deploy-'))
  const env = childEnv({})
  let relay: RunningProcess<RelayStartedLine> | undefined
  let target: RunningProcess<{ peerId: string }> | undefined
  const cleanup = async (): Promise<void> => {
    if (target !== undefined && target.child.exitCode === null) await stopProcess(target, 'SIGTERM')
    if (relay !== undefined && relay.child.exitCode === null) await stopProcess(relay, 'SIGTERM')
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await writeFile(join(dir, 'relay.config.json'), JSON.stringify({
      dataDir: './data',
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      http: { host: '127.0.0.1', port: 0 },
      log: { format: 'json' }
    }))
    relay = await startProcess<RelayStartedLine>(['start', '--config', join(dir, 'relay.config.json')], { cwd: dir, env, msg: 'relay started' })
    const store = new TestStore()
    const { root } = await buildAttachment({ get: async (cid) => store.get(cid), put: async (cid, bytes) => { store.put(cid, bytes) } }, 4, 16 * 1024)
    await writeCarFile(join(dir, 'attachment.car'), [root], [...store.blocks].map(([key, bytes]) => ({ cid: CID.parse(key), bytes })))
    target = await startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'attachment.car'), '--relay', relay.line.multiaddrs[0], '--relay-only'],
      { cwd: dir, env, msg: 'peer ready' })
    const fetched = await runCommand(['fetch', '--relay', relay.line.multiaddrs[0], '--peer', target.line.peerId, '--root', root.toString(),
      '--out', join(dir, 'out.car'), '--json'], { cwd: dir, env })
    if (fetched.code !== 0) throw new Error(`fetch failed (${fetched.code}): ${fetched.stderr}${fetched.stdout}`)
    const status = (JSON.parse(fetched.stdout.trim()) as { status?: string }).status
    if (status !== 'completed') throw new Error(`the sync ended ${String(status)}`)
    return { relay, httpAddress: new URL(relay.line.http).host, cleanup }
  } catch (err: unknown) {
    await cleanup()
    throw err
  }
}
