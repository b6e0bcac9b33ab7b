/**
 * Test helper: `tau-relay` as operators run it, in child processes — the relay (`start`), a target
 * peer (`peer serve`) and one-shot commands (`fetch`, `log verify`, `accounts check`) — each
 * started with `node dist/relay/main.js` and a private environment.
 */
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** The compiled CLI entry point. */
export const MAIN = fileURLToPath(new URL('../../relay/main.js', import.meta.url))

/** A long-running child and the first JSON line it printed with the awaited `msg`. */
export interface RunningProcess<L> {
  child: ChildProcess
  line: L
  exited: Promise<number | null>
}

/** The `relay started` line. */
export interface RelayStartedLine { peerId: string, multiaddrs: string[], http: string }

/** The environment of a child: ours without any TAU_RELAY_* variable, plus `extra`. */
export function childEnv (extra: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter(([k, v]) => !k.startsWith('TAU_RELAY_') && v !== undefined) as Array<[string, string]>
  return { ...Object.fromEntries(inherited), ...extra }
}

/** Spawns `main.js args…` and waits (≤ timeoutMs) for a stdout JSON line whose `msg` is `msg`. */
export async function startProcess<L> (args: string[], options: { cwd: string, env: Record<string, string>, msg: string, timeoutMs?: number }): Promise<RunningProcess<L>> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const lines = createInterface({ input: child.stdout! })
  const timeoutMs = options.timeoutMs ?? 15_000
  const line = await new Promise<L>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no '${options.msg}' line in ${timeoutMs} ms; stderr: ${stderr}`)) }, timeoutMs)
    lines.on('line', (text) => {
      if (!text.startsWith('{')) return
      const json = JSON.parse(text) as { msg?: string }
      if (json.msg === options.msg) {
        clearTimeout(timer)
        resolve(json as L)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${String(code)} before '${options.msg}': ${stderr}`))
    })
  })
  return { child, line, exited }
}

/** Sends `signal` and waits for the exit: its code and how long it took. */
export async function stopProcess (running: RunningProcess<unknown>, signal: NodeJS.Signals): Promise<{ code: number | null, ms: number }> {
  const t0 = Date.now()
  running.child.kill(signal)
  const code = await running.exited
  return { code, ms: Date.now() - t0 }
}

/** Runs `main.js args…` to its end (≤ timeoutMs): exit code and output. */
export async function runCommand (args: string[], options: { cwd: string, env: Record<string, string>, timeoutMs?: number }): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr })
    })
  })
}

/** An admin API request with the token the relay generated into `dataDir`. */
export async function adminRequest (dataDir: string, http: string, method: string, path: string, body?: unknown): Promise<Response> {
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim()
  return fetch(http + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}
