/**
 * One peer's outgoing graphsync messages (go-graphsync keeps one message queue per peer): frames
 * are written in order on a stream this side opens, reused while messages keep coming and closed
 * when the queue empties. Memory is bounded: `enqueue` waits while the bytes queued plus those the
 * stream has not yet drained exceed `maxBufferedBytes` (one message is always let through), so a
 * slow reader stalls the traversals feeding it instead of growing a buffer.
 */
import { GraphsyncStreamError } from './errors.js'
import type { TokenBucket } from './token-bucket.js'
import type { AbortOptions, Logger, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Opens a new graphsync stream to the queue's peer. */
export type OpenStream = (options: AbortOptions) => Promise<Stream>

/** Options of a queue. */
export interface MessageQueueOptions {
  maxBufferedBytes: number
  sendTimeoutMs: number
  /** How long an emptied queue keeps its stream open for the next message. */
  lingerMs: number
  /** Paces every frame before it is sent (the responder's upload limit). */
  rateLimit?: TokenBucket
  log: Logger
}

interface Waiter {
  size: number
  resolve: () => void
  reject: (err: Error) => void
}

/** An ordered, byte-bounded queue of length-prefixed frames to one peer. */
export class PeerMessageQueue {
  /** The most `bufferedBytes` has been (for tests and metrics). */
  maxBufferedBytesSeen = 0
  /** Bytes of queued frames not yet handed to the stream. */
  private queuedBytes = 0
  private readonly openStream: OpenStream
  private readonly options: MessageQueueOptions
  private readonly frames: Array<Uint8Array | Uint8ArrayList> = []
  private readonly waiters: Waiter[] = []
  private running = false
  private closed = false
  private stream: Stream | undefined
  private wakeSender: (() => void) | undefined

  constructor (openStream: OpenStream, options: MessageQueueOptions) {
    this.openStream = openStream
    this.options = options
  }

  /** Bytes queued here plus those still in the stream's write buffer (not yet taken by the muxer). */
  get bufferedBytes (): number {
    return this.queuedBytes + (this.stream?.writeBufferLength ?? 0)
  }

  /** Whether a frame of `size` bytes would have to wait for buffer space now. */
  wouldWait (size: number): boolean {
    return this.bufferedBytes > 0 && this.bufferedBytes + size > this.options.maxBufferedBytes
  }

  /** Queues a frame, first waiting for buffer space; rejects if the queue fails or closes. */
  async enqueue (frame: Uint8Array | Uint8ArrayList): Promise<void> {
    if (this.closed) throw new GraphsyncStreamError('disconnected')
    if (this.wouldWait(frame.byteLength) || this.waiters.length > 0) {
      // release() reserves the space before waking us, so two waiters never share it
      await new Promise<void>((resolve, reject) => { this.waiters.push({ size: frame.byteLength, resolve, reject }) })
    } else {
      this.reserve(frame.byteLength)
    }
    this.frames.push(frame)
    if (this.running) this.wake()
    else void this.run()
  }

  /** Drops queued frames, rejects waiters and aborts the stream. */
  close (): void {
    this.closed = true
    this.failAll(new GraphsyncStreamError('disconnected'))
  }

  private reserve (size: number): void {
    this.queuedBytes += size
    this.maxBufferedBytesSeen = Math.max(this.maxBufferedBytesSeen, this.bufferedBytes)
  }

  private release (size: number): void {
    this.queuedBytes -= size
    while (this.waiters.length > 0 && !this.wouldWait(this.waiters[0].size)) {
      const waiter = this.waiters.shift() as Waiter
      this.reserve(waiter.size)
      waiter.resolve()
    }
  }

  private async run (): Promise<void> {
    this.running = true
    try {
      // one stream carries messages while they keep coming; a stream per message would hit the
      // remote's inbound stream limit (32) as soon as it reads slowly (measured: the 33rd was reset)
      do {
        while (this.frames.length > 0) {
          if (this.closed) throw new GraphsyncStreamError('disconnected')
          const frame = this.frames[0]
          if (this.options.rateLimit !== undefined) await this.paced(frame.byteLength)
          const stream = this.stream ?? await this.open()
          stream.send(frame)
          this.frames.shift()
          this.release(frame.byteLength)
          this.maxBufferedBytesSeen = Math.max(this.maxBufferedBytesSeen, this.bufferedBytes)
          // 'drain' only means the muxer took some bytes: the stream's write buffer is counted as
          // buffered and bounded too (measured: waiting for 'drain' alone let 43 MB pile up in a
          // yamux write buffer behind a paused reader)
          // (the timeout is made only when needed: a timer per frame was measurable)
          if (stream.writeBufferLength > this.options.maxBufferedBytes / 2) await this.flushed(stream, AbortSignal.timeout(this.options.sendTimeoutMs))
        }
        if (this.waiters.length > 0 && this.stream !== undefined) await this.flushed(this.stream, AbortSignal.timeout(this.options.sendTimeoutMs))
      } while (await this.linger())
      const stream = this.stream
      this.stream = undefined
      if (stream !== undefined) await stream.close({ signal: AbortSignal.timeout(this.options.sendTimeoutMs) })
    } catch (err: unknown) {
      this.options.log('graphsync send failed - %e', err)
      this.failAll(new GraphsyncStreamError('disconnected'))
    } finally {
      this.running = false
      // the closed stream's write buffer no longer counts: producers waiting for room may go on
      if (!this.closed) this.release(0)
      // a frame queued while the stream was closing starts a new stream
      if (this.frames.length > 0 && !this.closed) void this.run()
    }
  }

  /** Waits for the upload limit's tokens for `size` bytes; the queue may close meanwhile. */
  private async paced (size: number): Promise<void> {
    await this.options.rateLimit?.take(size)
    if (this.closed) throw new GraphsyncStreamError('disconnected')
  }

  /** Waits for the stream's write buffer to empty, then lets waiting producers in. */
  private async flushed (stream: Stream, signal: AbortSignal): Promise<void> {
    await writeBufferEmpty(stream, signal)
    this.release(0)
  }

  /** Waits up to `lingerMs` for another frame; true when one came. */
  private async linger (): Promise<boolean> {
    if (this.closed) return false
    // a producer admitted while we were flushing may already have queued its frame
    if (this.frames.length > 0) return true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.lingerMs)
      this.wakeSender = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wakeSender = undefined
    return this.frames.length > 0 && !this.closed
  }

  private wake (): void {
    this.wakeSender?.()
  }

  private async open (): Promise<Stream> {
    this.stream = await this.openStream({ signal: AbortSignal.timeout(this.options.sendTimeoutMs) })
    return this.stream
  }

  private failAll (err: Error): void {
    this.wake()
    for (const frame of this.frames.splice(0)) this.queuedBytes -= frame.byteLength
    for (const waiter of this.waiters.splice(0)) waiter.reject(err)
    const stream = this.stream
    this.stream = undefined
    try {
      stream?.abort(err)
    } catch {}
  }
}

/** Resolves when the stream's write buffer is empty ('idle'); rejects if it closes or `signal` fires. */
async function writeBufferEmpty (stream: Stream, signal: AbortSignal): Promise<void> {
  if (stream.writeBufferLength === 0) return
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.removeEventListener('idle', onIdle)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onIdle = (): void => { done() }
    const onClose = (): void => { done(new GraphsyncStreamError('reset')) }
    const onAbort = (): void => { done(signal.reason instanceof Error ? signal.reason : new GraphsyncStreamError('reset')) }
    stream.addEventListener('idle', onIdle)
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort)
  })
}
