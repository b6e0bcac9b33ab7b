/**
 * Child `tau-relay` processes for `tau-relay demo`: each runs this same CLI (so the demo exercises
 * exactly what an operator runs), is awaited for its one JSON "ready" line, and is stopped with
 * SIGTERM — SIGKILL after a grace period — so the demo never leaves anything running.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** The CLI entry point of this build. */
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url))
/** A child that has not said it is ready by then has failed. */
const READY_TIMEOUT_MS = 60_000
/** SIGTERM → SIGKILL after this long: the relay's own graceful stop is bounded well below it. */
const STOP_GRACE_MS = 15_000

/** A long-running child and the JSON line it announced itself with. */
export interface DemoProcess<L> {
  child: ChildProcess
  line: L
}

/** Starts `tau-relay ARGS…` and resolves with its first JSON line whose `msg` is `msg`. */
export async function startDemoProcess<L> (args: string[], options: { cwd: string, env: NodeJS.ProcessEnv, msg: string }): Promise<DemoProcess<L>> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  return new Promise((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => { fail(new Error(`${args[0]} did not get ready in ${READY_TIMEOUT_MS} ms: ${stderr}`)) }, READY_TIMEOUT_MS)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(err)
    }
    child.once('exit', (code) => { fail(new Error(`${args[0]} exited with ${String(code)}: ${stderr}`)) })
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      let newline
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        let line: { msg?: unknown }
        try {
          line = JSON.parse(text) as { msg?: unknown }
        } catch {
          continue
        }
        if (line.msg === options.msg) {
          clearTimeout(timer)
          child.removeAllListeners('exit')
          resolve({ child, line: line as L })
        }
      }
    })
  })
}

/** Stops a child: SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
export async function stopDemoProcess (running: DemoProcess<unknown> | undefined): Promise<void> {
  const child = running?.child
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

/** Runs `tau-relay ARGS…` to completion; stderr goes to ours (the fetch progress bar), stdout is returned. */
export async function runDemoCommand (args: string[], options: { cwd: string, env: NodeJS.ProcessEnv }): Promise<string> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => { resolve(c) }) })
  if (code !== 0) throw new Error(`tau-relay ${args[0]} ${args[1] ?? ''} exited with ${String(code)}: ${stdout.slice(-2000)}`)
  return stdout
}
