/**
 * The parent's end of a chaos relay child (relay-child.ts): readiness, IPC readings, the child's
 * RSS from /proc, Prometheus scrapes of its /metrics (event loop lag: libp2p's prometheus-metrics
 * collects prom-client's default metrics on the relay's registry), and stop.
 */
import { fork } from 'node:child_process'
import { procRss } from './scale.js'
import type { ChildProcess } from 'node:child_process'
import type { FromRelayChild, RelayChildInit, RelayChildStats, ToRelayChild } from './relay-child.js'

/** A relay child process. */
export class ChaosRelay {
  readonly ready: Promise<{ addr: string, http: string, peerId: string }>
  private readonly child: ChildProcess
  private readonly pending = new Map<number, (stats: RelayChildStats) => void>()
  private nextId = 0

  constructor (init: RelayChildInit = {}) {
    this.child = fork(new URL('./relay-child.js', import.meta.url), [JSON.stringify(init)], {
      execArgv: ['--expose-gc', '--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => { reject(new Error(`relay child exited with ${String(code)}`)) })
      this.child.on('message', (message: FromRelayChild) => {
        if (message.type === 'ready') resolve(message)
        else this.pending.get(message.id)?.(message.stats)
      })
    })
  }

  /** The child's pid (for /proc readings). */
  get pid (): number {
    const pid = this.child.pid
    if (pid === undefined) throw new Error('relay child has no pid')
    return pid
  }

  /** A reading of the relay's counters and memory (after a full GC when `gc`). */
  async stats (gc = false): Promise<RelayChildStats> {
    const id = this.nextId++
    const reading = new Promise<RelayChildStats>((resolve) => { this.pending.set(id, resolve) })
    this.send({ type: 'stats', id, gc })
    return reading.finally(() => this.pending.delete(id))
  }

  /** RSS after a full GC, read from /proc/<pid>/status (VmRSS), and the peak so far (VmHWM). */
  async rss (): Promise<{ rss: number, peak: number }> {
    await this.stats(true)
    return procRss(this.pid)
  }

  /** One scrape of /metrics: every unlabelled sample by name. */
  async scrape (): Promise<Map<string, number>> {
    const text = await (await fetch(`${(await this.ready).http}/metrics`)).text()
    const samples = new Map<string, number>()
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) ([-+0-9.eE]+|NaN)$/.exec(line)
      if (match !== null) samples.set(match[1], Number(match[2]))
    }
    return samples
  }

  /** Asks the child to stop and waits for its exit. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return
    const exited = new Promise<void>((resolve) => { this.child.once('exit', () => { resolve() }) })
    this.send({ type: 'stop' })
    await exited
  }

  private send (message: ToRelayChild): void {
    this.child.send(message)
  }
}
