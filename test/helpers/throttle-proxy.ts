/**
 * Test helper: a loopback TCP proxy that makes each connection a slow link — a token bucket of
 * `bytesPerSecond` and a fixed one-way `delayMs` per direction, per connection, with bounded
 * buffers: once `maxBufferedBytes` wait in one direction's delay queue the proxy stops reading
 * that side, so the sender sees TCP back-pressure exactly as behind a real slow link. No external
 * tools (tc/netem need root and a real interface).
 */
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

/** Shape of the simulated link. */
export interface ThrottleInit {
  /** Where connections are forwarded to. */
  target: { host: string, port: number }
  /** Rate of each direction of each connection, bytes/s. */
  bytesPerSecond: number
  /** One-way delay added to every chunk, ms. */
  delayMs: number
  /** Bytes one direction may hold in its queue before the proxy stops reading that side. @default 256 KiB */
  maxBufferedBytes?: number
}

/** A direction of the link: `up` from the connecting client to the target, `down` back. */
export type ThrottleDirection = 'up' | 'down'

/** A running proxy. */
export interface ThrottleProxy {
  host: string
  port: number
  /** Connections accepted so far. */
  readonly connections: number
  /** The largest queue one direction held (≤ maxBufferedBytes + one socket read). */
  readonly maxQueuedBytesSeen: number
  /** Changes one direction's rate for every connection, live (e.g. a target that starts dripping). */
  setRate: (direction: ThrottleDirection, bytesPerSecond: number) => void
  close: () => Promise<void>
}

const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024

/** Starts a proxy on 127.0.0.1, any port. */
export async function startThrottleProxy (init: ThrottleInit): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>()
  const stats = { connections: 0, maxQueuedBytesSeen: 0 }
  const rates: Record<ThrottleDirection, number> = { up: init.bytesPerSecond, down: init.bytesPerSecond }
  const server: Server = createServer((inbound) => {
    stats.connections++
    const outbound = connect(init.target.port, init.target.host)
    const destroy = (): void => { inbound.destroy(); outbound.destroy() }
    for (const socket of [inbound, outbound]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      // either side failing or closing ends the link; never throw from a listener
      socket.on('error', destroy)
      socket.on('close', () => { sockets.delete(socket); destroy() })
    }
    pipe(inbound, outbound, () => rates.up, init, stats)
    pipe(outbound, inbound, () => rates.down, init, stats)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: '127.0.0.1',
    port,
    get connections () { return stats.connections },
    get maxQueuedBytesSeen () { return stats.maxQueuedBytesSeen },
    setRate: (direction, bytesPerSecond) => { rates[direction] = bytesPerSecond },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    }
  }
}

/**
 * One direction: a queue with a due time per chunk, paced by a token bucket of `rate()` bytes/s,
 * bounded by pausing `from`. The bucket holds 100 ms of traffic (at least 1 byte) and the pump
 * waits for 20 ms worth at a time, so timers firing late (a loaded machine) do not lower the rate.
 */
function pipe (from: Socket, to: Socket, rate: () => number, init: ThrottleInit, stats: { maxQueuedBytesSeen: number }): void {
  const maxBuffered = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  const burst = (): number => Math.max(1, Math.floor(rate() / 10))
  const queue: Array<{ chunk: Buffer, dueMs: number }> = []
  let queued = 0
  let ended = false
  let pumping = false
  let tokens = burst()
  let refilledAt = performance.now()

  const refill = (): void => {
    const now = performance.now()
    tokens = Math.min(burst(), tokens + (now - refilledAt) * rate() / 1000)
    refilledAt = now
  }

  const pump = async (): Promise<void> => {
    if (pumping) return
    pumping = true
    try {
      while (queue.length > 0 && !to.destroyed) {
        const head = queue[0]
        const wait = head.dueMs - performance.now()
        if (wait > 0) await sleep(wait)
        refill()
        if (tokens < 1) {
          await sleep(Math.max(1, (Math.min(Math.ceil(burst() / 5), head.chunk.byteLength) - tokens) * 1000 / rate()))
          continue
        }
        const n = Math.min(head.chunk.byteLength, Math.floor(tokens))
        const piece = head.chunk.subarray(0, n)
        tokens -= n
        if (n === head.chunk.byteLength) queue.shift()
        else head.chunk = head.chunk.subarray(n)
        queued -= n
        if (queued <= maxBuffered / 2 && from.isPaused()) from.resume()
        if (!to.write(piece)) await drained(to)
      }
      if (ended && queue.length === 0 && !to.destroyed) to.end()
    } finally {
      pumping = false
    }
  }

  from.on('data', (chunk: Buffer) => {
    queue.push({ chunk, dueMs: performance.now() + init.delayMs })
    queued += chunk.byteLength
    stats.maxQueuedBytesSeen = Math.max(stats.maxQueuedBytesSeen, queued)
    if (queued > maxBuffered) from.pause()
    void pump()
  })
  from.on('end', () => {
    ended = true
    void pump()
  })
}

/** Resolves on the socket's next `drain` or its close, removing both listeners. */
async function drained (socket: Socket): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
