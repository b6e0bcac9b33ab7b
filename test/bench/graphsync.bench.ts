/**
 * Graphsync bench (issue 4 part 6): one requester (this process) and one responder (a child
 * process, so each side's CPU time is its own) on loopback TCP + noise + yamux. Per round, in
 * alternating order: (a) a graphsync fetch of a 256 MiB attachment (1,024 raw 256 KiB pieces under
 * one dag-cbor index, every block verified) and (b) a plain libp2p stream copying the same pieces.
 * Reports MB/s (10^6 bytes), CPU seconds per GiB on each side and the ratio (a)/(b); target ≥ 0.8.
 * Run alone: node dist/test/bench/graphsync.bench.js ['{"rounds":3,"pieces":1024,...}']
 */
import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { exploreAll } from '../helpers/graphsync.js'
import { median, round, withTimeout } from './bench-results.js'
import { createBenchNode, DEFAULT_STACK_SETTINGS, RAW_COPY_PROTOCOL } from './graphsync-bench-node.js'
import type { BenchNode, StackSettings } from './graphsync-bench-node.js'
import type { FromChild, ResponderChildInit, ToChild } from './graphsync-responder.bench-child.js'
import type { GraphsyncInit } from '../../relay/graphsync/index.js'
import type { PeerId, StreamMessageEvent } from '@libp2p/interface'
import type { ChildProcess } from 'node:child_process'

/** Knobs of one run; defaults are the sizes. */
export interface GraphsyncBenchInit {
  pieces?: number
  pieceBytes?: number
  /** Measured rounds of both cases, after one unmeasured warm-up round. */
  rounds?: number
  settings?: Partial<StackSettings>
  /** Graphsync init of both services (the responder also gets its block store). */
  graphsync?: GraphsyncInit
  /** Which cases to run (profiling one alone). @default both */
  cases?: Array<'raw' | 'graphsync'>
}

/** One measured transfer. */
interface Sample {
  mbPerSecond: number
  seconds: number
  requesterCpuSecondsPerGiB: number
  responderCpuSecondsPerGiB: number
}

const GIB = 1024 ** 3
/** A run that should take ~20 s taking 5 minutes means something hangs: give up. */
const CASE_TIMEOUT_MS = 5 * 60 * 1000

/** Runs the bench and returns its figures. */
export async function run (init: GraphsyncBenchInit = {}): Promise<object> {
  const childInit: ResponderChildInit = {
    pieces: init.pieces ?? 1024,
    pieceBytes: init.pieceBytes ?? 256 * 1024,
    settings: { ...DEFAULT_STACK_SETTINGS, ...init.settings },
    graphsync: init.graphsync ?? {}
  }
  const rounds = init.rounds ?? 3
  const child = fork(new URL('./graphsync-responder.bench-child.js', import.meta.url), [JSON.stringify(childInit)])
  const ipc = new ChildIpc(child)
  const node = await createBenchNode(childInit.settings, init.graphsync ?? {})
  try {
    const ready = await ipc.ready
    const peer = (await node.dial(multiaddr(ready.addr))).remotePeer
    const root = CID.parse(ready.root)
    const cases = {
      raw: async () => { await rawCopy(node, peer, ready.bytes) },
      graphsync: async () => { await graphsyncFetch(node, peer, root, childInit.pieces + 1) }
    }
    const samples: Record<keyof typeof cases, Sample[]> = { raw: [], graphsync: [] }
    for (let i = 0; i <= rounds; i++) {
      const order = i % 2 === 0 ? (['raw', 'graphsync'] as const) : (['graphsync', 'raw'] as const)
      for (const name of order.filter((name) => init.cases?.includes(name) ?? true)) {
        const sample = await measure(ipc, ready.bytes, cases[name])
        if (i > 0) samples[name].push(sample)
      }
    }
    const raw = summarize(samples.raw)
    const gs = summarize(samples.graphsync)
    const ratios = samples.graphsync.map((sample, i) => sample.mbPerSecond / (samples.raw[i]?.mbPerSecond ?? NaN))
    return {
      bytes: ready.bytes,
      pieces: childInit.pieces,
      pieceBytes: childInit.pieceBytes,
      rounds,
      settings: childInit.settings,
      graphsync: { ...gs, samples: samples.graphsync },
      raw: { ...raw, samples: samples.raw },
      ratio: { median: round(median(ratios), 3), min: round(Math.min(...ratios), 3), max: round(Math.max(...ratios), 3) },
      targetRatio: 0.8,
      // raw CPU over graphsync CPU per side: what the throughput ratio tends to when cores are scarce
      cpuRatio: {
        requester: round(median(samples.raw.map((s) => s.requesterCpuSecondsPerGiB)) / median(samples.graphsync.map((s) => s.requesterCpuSecondsPerGiB)), 3),
        responder: round(median(samples.raw.map((s) => s.responderCpuSecondsPerGiB)) / median(samples.graphsync.map((s) => s.responderCpuSecondsPerGiB)), 3)
      },
      loadAverage: loadavg().map((load) => round(load))
    }
  } finally {
    await node.stop()
    ipc.stop()
  }
}

/** Wall time and both sides' CPU time of one transfer of `bytes`. */
async function measure (ipc: ChildIpc, bytes: number, transfer: () => Promise<void>): Promise<Sample> {
  const childBefore = await ipc.cpu()
  const before = process.cpuUsage()
  const started = performance.now()
  await withTimeout(transfer(), CASE_TIMEOUT_MS)
  const seconds = (performance.now() - started) / 1000
  const own = process.cpuUsage(before)
  const childAfter = await ipc.cpu()
  const gib = bytes / GIB
  return {
    mbPerSecond: round(bytes / 1e6 / seconds, 1),
    seconds: round(seconds, 3),
    requesterCpuSecondsPerGiB: round((own.user + own.system) / 1e6 / gib, 3),
    responderCpuSecondsPerGiB: round((childAfter - childBefore) / 1e6 / gib, 3)
  }
}

/** (b): reads the responder's plain stream to its end, counting bytes. */
async function rawCopy (node: BenchNode, peer: PeerId, expected: number): Promise<void> {
  const stream = await node.dialProtocol(peer, RAW_COPY_PROTOCOL)
  let received = 0
  await new Promise<void>((resolve, reject) => {
    stream.addEventListener('message', (evt: StreamMessageEvent) => { received += evt.data.byteLength })
    stream.addEventListener('end', () => { resolve() })
    stream.addEventListener('close', (evt) => { if (evt.error !== undefined) reject(evt.error) })
  })
  await stream.close()
  if (received !== expected) throw new Error(`raw copy delivered ${received} of ${expected} bytes`)
}

/** (a): fetches the attachment over graphsync; every block is verified by the requester. */
async function graphsyncFetch (node: BenchNode, peer: PeerId, root: CID, expectedBlocks: number): Promise<void> {
  const fetch = node.services.graphsync.request(peer, root, exploreAll(), { timeoutMs: CASE_TIMEOUT_MS })
  let blocks = 0
  for await (const block of fetch) {
    void block
    blocks++
  }
  const result = await fetch.result
  if (result.status !== GraphsyncStatus.RequestCompletedFull || blocks !== expectedBlocks) {
    throw new Error(`graphsync ended ${result.status} after ${blocks} of ${expectedBlocks} blocks`)
  }
}

/** Median and spread of each figure. */
function summarize (samples: readonly Sample[]): Record<string, unknown> {
  const figure = (key: keyof Sample): { median: number, min: number, max: number } => {
    const values = samples.map((sample) => sample[key])
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
  }
  return {
    mbPerSecond: figure('mbPerSecond'),
    requesterCpuSecondsPerGiB: figure('requesterCpuSecondsPerGiB'),
    responderCpuSecondsPerGiB: figure('responderCpuSecondsPerGiB')
  }
}

/** The parent's end of the child's IPC channel: readiness, CPU readings, stop. */
class ChildIpc {
  readonly ready: Promise<Extract<FromChild, { type: 'ready' }>>
  private readonly child: ChildProcess
  private readonly pending = new Map<number, (cpuMicros: number) => void>()
  private nextId = 0

  constructor (child: ChildProcess) {
    this.child = child
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => { reject(new Error(`responder child exited with ${String(code)}`)) })
      child.on('message', (message: FromChild) => {
        if (message.type === 'ready') resolve(message)
        else this.pending.get(message.id)?.(message.user + message.system)
      })
    })
  }

  /** The child's user + system CPU time so far, in microseconds. */
  async cpu (): Promise<number> {
    const id = this.nextId++
    const reading = new Promise<number>((resolve) => { this.pending.set(id, resolve) })
    this.send({ type: 'cpu', id })
    return reading.finally(() => this.pending.delete(id))
  }

  stop (): void {
    if (this.child.connected) this.send({ type: 'stop' })
  }

  private send (message: ToChild): void {
    this.child.send(message)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run(JSON.parse(process.argv[2] ?? '{}') as GraphsyncBenchInit)
  console.log(JSON.stringify(result, null, 2))
}
