/**
 * Test helper: a real Prometheus server (Debian's `prometheus` package, the one CI installs) in a
 * child process on a free loopback port, with a config and rule files written to a mkdtemp
 * directory, and its HTTP query API.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, pollUntil } from './deploy.js'
import type { ChildProcess } from 'node:child_process'

/** The Prometheus binary; fails (never skips) when absent. */
export const PROMETHEUS_BIN = 'prometheus'
/** Longest wait for Prometheus to report ready. */
const READY_TIMEOUT_MS = 20_000
/** Longest wait for Prometheus to exit on SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000

/** A running Prometheus. */
export interface RunningPrometheus {
  url: string
  child: ChildProcess
  /** What it printed, for failure messages. */
  output: () => string
  stop: () => Promise<void>
}

/** One sample of an instant vector. */
export interface PromSample { metric: Record<string, string>, value: [number, string] }

/** Starts Prometheus with `files` (name → text; `prometheus.yml` is the config) and waits until it is ready. */
export async function startPrometheus (files: Record<string, string>): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-relay-prometheus-'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  const port = await freePort()
  const child = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  const exited = new Promise<void>((resolve) => child.once('close', () => { resolve() }))
  const url = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }
  const ready = pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${output}`)
    const res = await fetch(`${url}/-/ready`)
    return res.status === 200 ? true : undefined
  }, READY_TIMEOUT_MS, 'prometheus to be ready')
  // the loser of the race must not become an unhandled rejection
  ready.catch(() => undefined)
  let first: true | Error
  try {
    first = await Promise.race([ready, spawnError])
  } catch (err: unknown) {
    await stop()
    throw err
  }
  if (first instanceof Error) {
    await stop()
    const missing = (first as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(missing ? 'prometheus is not installed: apt-get install -y prometheus (Debian) — this test does not skip' : first.message)
  }
  return { url, child, output: () => output, stop }
}

/** Runs an instant query; throws with Prometheus' error when it fails. */
export async function promQuery (url: string, query: string): Promise<PromSample[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query }).toString()}`)
  const body = await res.json() as { status: string, error?: string, data?: { resultType: string, result: PromSample[] } }
  if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${query} failed: ${body.error ?? res.status}`)
  if (body.data.resultType !== 'vector') throw new Error(`query ${query} gave a ${body.data.resultType}, not a vector`)
  return body.data.result
}

/** A rule as `/api/v1/rules` reports it. */
export interface PromRule { name: string, query: string, health: string, lastError?: string, type: string, lastEvaluation: string }

/** Every rule Prometheus loaded, with its health. */
export async function promRules (url: string): Promise<PromRule[]> {
  const body = await (await fetch(`${url}/api/v1/rules`)).json() as { data: { groups: Array<{ rules: PromRule[] }> } }
  return body.data.groups.flatMap((g) => g.rules)
}
