/**
 * A flooder for floods.test.ts, in its own process so its CPU is not the honest peer's. argv[2] is
 * a JSON FloodInit. `connections`: raw TCP connects from 127.0.0.1 that never handshake (each
 * accepted one holds a pending upgrade slot until libp2p's upgrade timeout). `streams`: one libp2p
 * peer opening relay-sync streams on one connection and never writing (each accepted one is held
 * until the relay's request read timeout). Prints `{"started":true}`, then one JSON FloodReport.
 */
import '../../relay/runtime-shim.js'
import { connect } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { RELAY_SYNC_PROTOCOL } from '../../protocol/constants.js'
import type { Connection, Stream } from '@libp2p/interface'

/** What to flood. */
export interface FloodInit {
  mode: 'connections' | 'streams'
  /** The relay's TCP multiaddr with its /p2p/ id. */
  addr: string
  count: number
  /** Attempts in flight at once. */
  concurrency: number
}

/** What the flood saw. */
export interface FloodReport {
  mode: FloodInit['mode']
  attempts: number
  /** Connections the relay closed at once, or streams it reset right after negotiation. */
  refused: number
  /** Connections still open after ACCEPTED_AFTER_MS, streams after STREAM_ACCEPTED_AFTER_MS. */
  accepted: number
  /** Most accepted connections/streams open at the same time. */
  maxOpenAccepted: number
  seconds: number
}

/** A connection the relay has not closed after this long was accepted (a refusal closes at once). */
const ACCEPTED_AFTER_MS = 1_000
/** A stream the relay has not reset after this long was accepted. */
const STREAM_ACCEPTED_AFTER_MS = 500

const init = JSON.parse(process.argv[2]) as FloodInit
const t0 = performance.now()
let open = 0
const report: FloodReport = { mode: init.mode, attempts: 0, refused: 0, accepted: 0, maxOpenAccepted: 0, seconds: 0 }
const opened = (): void => {
  report.accepted++
  open++
  report.maxOpenAccepted = Math.max(report.maxOpenAccepted, open)
}

async function connectionAttempt (host: string, port: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = connect(port, host)
    let accepted = false
    const timer = setTimeout(() => { accepted = true; opened() }, ACCEPTED_AFTER_MS)
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      if (accepted) open--
      else report.refused++
      resolve()
    })
  })
}

async function streamAttempt (dial: () => Promise<Stream>): Promise<void> {
  let stream: Stream
  try {
    stream = await dial()
  } catch {
    report.refused++
    return
  }
  let ended = stream.status !== 'open'
  const end = new Promise<void>((resolve) => {
    const done = (): void => { ended = true; resolve() }
    stream.addEventListener('close', done, { once: true })
    // the relay gave up on it: end ours as any client would
    stream.addEventListener('remoteCloseWrite', () => { stream.abort(new Error('flood stream done')); done() }, { once: true })
  })
  // over the registrar's limit the relay resets the stream right after negotiation, which may
  // reach us just after newStream returned: a stream still open after a while was accepted
  await Promise.race([end, sleep(STREAM_ACCEPTED_AFTER_MS)])
  if (ended) {
    report.refused++
    return
  }
  opened()
  // hold it, never writing, until the relay gives up on it
  await end
  open--
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

let attempt: () => Promise<void>
let stop = async (): Promise<void> => {}
const addr = multiaddr(init.addr)
if (init.mode === 'connections') {
  const { host, port } = { host: '127.0.0.1', port: Number(addr.getComponents().find((c) => c.name === 'tcp')?.value) }
  attempt = async () => connectionAttempt(host, port)
} else {
  const node = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  // libp2p allows 5 new connections/s per IP and the honest peers dialled from this IP just now
  let connection: Connection | undefined
  for (let i = 1; connection === undefined; i++) {
    try {
      connection = await node.dial(addr)
    } catch (err: unknown) {
      if (i === 5) throw err
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  }
  attempt = async () => streamAttempt(async () => connection.newStream(RELAY_SYNC_PROTOCOL, { maxOutboundStreams: 100_000, signal: AbortSignal.timeout(10_000) }))
  stop = async () => { await node.stop() }
}

process.stdout.write(JSON.stringify({ started: true }) + '\n')
// a stuck flood shows where it is (TAU_CHAOS_VERBOSE=1)
if (process.env.TAU_CHAOS_VERBOSE === '1') setInterval(() => { process.stderr.write(`[flood ${init.mode}] ${JSON.stringify({ ...report, open })}\n`) }, 2_000).unref()
let next = 0
await Promise.all(Array.from({ length: init.concurrency }, async () => {
  while (next < init.count) {
    next++
    report.attempts++
    await attempt()
  }
}))
report.seconds = (performance.now() - t0) / 1000
await stop()
process.stdout.write(JSON.stringify(report) + '\n')
process.exit(0)
