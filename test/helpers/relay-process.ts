/**
 * Test helper: `tau-relay` as operators run it, in child processes — the relay (`start`), a target
 * peer (`peer serve`) and one-shot commands (`fetch`, `log verify`, `accounts check`) — each
 * started with `node dist/relay/main.js` and a private environment.
 */
import { execFile, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument } from '../../protocol/policy-document.js'
import type { ChildProcess } from 'node:child_process'
import type { TestKey } from './ledger.js'

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

/** The paid terms most process tests run under: 1,000 nanoTAU per block, 0.001 TAU per MiB, no free quota. */
export const PAID_TEST_POLICY = Object.freeze({ perBlockNanoTau: '1000', perMiBNanoTau: '1000000', freeQuotaBytes: 0 })

/**
 * Writes `dir/relay.config.json` for a loopback test relay (data in `dir/data`, TCP and HTTP on
 * ephemeral ports, JSON logs) with `initialPolicy` terms; returns the file's path.
 */
export async function writeTestRelayConfig (dir: string, initialPolicy: Record<string, unknown> = PAID_TEST_POLICY): Promise<string> {
  const path = join(dir, 'relay.config.json')
  await writeFile(path, JSON.stringify({
    dataDir: './data',
    libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    http: { host: '127.0.0.1', port: 0 },
    log: { format: 'json' },
    initialPolicy
  }))
  return path
}

/** Tops `payer` up on a running relay: a settlement signed by the payer to the relay's address, imported through the admin API. */
export async function creditThroughAdmin (dataDir: string, http: string, payer: TestKey, amountNanoTau: bigint, nonce = 1): Promise<Response> {
  const policy = decodePolicyDocument(new Uint8Array(await (await fetch(`${http}/policy`)).arrayBuffer()))
  const tx = signSettlementTx(payer.privateKey, { v: 1, from: payer.address, to: policy.relay.tau, amountNanoTau, nonce, tsMs: Date.now() })
  return adminRequest(dataDir, http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })
}
