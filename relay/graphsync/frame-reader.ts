/**
 * Reads unsigned-varint length-prefixed messages from a libp2p 3 stream until it closes, with
 * backpressure: past `maxQueuedBytes` of unread frames the stream is paused (yamux then stops
 * granting window) and resumed once the consumer catches up. Pauses are made from a microtask,
 * never inside `resume()`'s own dispatch, which would be undone by it (DESIGN.md §9.1). Every
 * listener is guarded (a throw there kills the process, §9.2), and a stream that ends inside a
 * message or is reset fails with a typed error instead of silently truncating (§9.3).
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { GraphsyncMessageTooLargeError, GraphsyncStreamError } from './errors.js'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

/** Limits of one reader. */
export interface FrameReaderOptions {
  /** Largest message body accepted; a longer prefix aborts the stream. */
  maxFrameBytes: number
  /** Unread frame bytes that pause the stream. */
  maxQueuedBytes: number
  /** The stream's read buffer while paused (must exceed the muxer's window, §9.1). */
  readBufferBytes: number
}

/** A varint needs at most this many bytes for any length we could accept (2^35 > any limit). */
const MAX_VARINT_BYTES = 5

/** Length-prefixed frames of one stream as an async iterable (single consumer). */
export class FrameReader implements AsyncIterable<Uint8Array> {
  private readonly stream: Stream
  private readonly options: FrameReaderOptions
  private readonly buffer = new Uint8ArrayList()
  private readonly frames: Uint8Array[] = []
  private queuedBytes = 0
  private ended = false
  private error: Error | undefined
  private paused = false
  private wake: (() => void) | undefined

  constructor (stream: Stream, options: FrameReaderOptions) {
    this.stream = stream
    this.options = options
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, options.readBufferBytes)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    if (stream.readableEnded) this.onEnd()
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      while (true) {
        const frame = this.frames.shift()
        if (frame !== undefined) {
          this.queuedBytes -= frame.byteLength
          this.maybeResume()
          yield frame
          continue
        }
        if (this.error !== undefined) throw this.error
        if (this.ended) return
        await new Promise<void>((resolve) => { this.wake = resolve })
      }
    } finally {
      this.detach()
    }
  }

  /** Stops reading: detaches listeners; the caller closes or aborts the stream. */
  detach (): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('end', this.onEnd)
    this.stream.removeEventListener('close', this.onClose)
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    try {
      if (this.error !== undefined) return
      this.buffer.append(evt.data)
      this.parseFrames()
      if (this.queuedBytes >= this.options.maxQueuedBytes && !this.paused) {
        this.paused = true
        queueMicrotask(() => { this.pauseNow() })
      }
    } catch (err: unknown) {
      this.fail(err instanceof Error ? err : new GraphsyncStreamError('reset'))
    }
    this.notify()
  }

  private readonly onEnd = (): void => {
    try {
      // on a reset the stream's status is set before 'end' fires, the erroring 'close' after (§9.3)
      if (this.stream.status === 'reset' || this.stream.status === 'aborted') this.fail(new GraphsyncStreamError('reset'))
      else if (this.buffer.byteLength > 0) this.fail(new GraphsyncStreamError('truncated'))
      else this.ended = true
    } catch {}
    this.notify()
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    try {
      if (!this.ended) {
        if (evt.error !== undefined) this.fail(new GraphsyncStreamError('reset'))
        else if (this.buffer.byteLength > 0) this.fail(new GraphsyncStreamError('truncated'))
        else this.ended = true
      }
    } catch {}
    this.notify()
  }

  private parseFrames (): void {
    while (this.buffer.byteLength > 0) {
      const header = readVarint(this.buffer)
      if (header === undefined) return
      const [length, prefixBytes] = header
      if (length > this.options.maxFrameBytes) throw new GraphsyncMessageTooLargeError(length, this.options.maxFrameBytes)
      if (this.buffer.byteLength < prefixBytes + length) return
      const frame = this.buffer.subarray(prefixBytes, prefixBytes + length)
      this.buffer.consume(prefixBytes + length)
      this.frames.push(frame)
      this.queuedBytes += frame.byteLength
    }
  }

  private fail (err: Error): void {
    if (this.error !== undefined) return
    this.error = err
    this.buffer.consume(this.buffer.byteLength)
    try {
      this.stream.abort(err)
    } catch {}
  }

  private pauseNow (): void {
    try {
      if (this.paused && this.stream.readStatus === 'readable') this.stream.pause()
    } catch {}
  }

  private maybeResume (): void {
    if (!this.paused || this.queuedBytes >= this.options.maxQueuedBytes / 2) return
    this.paused = false
    try {
      if (this.stream.readStatus === 'paused') this.stream.resume()
    } catch {}
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

/** Reads an unsigned varint at the start of `list`: [value, bytes], or undefined if incomplete. */
function readVarint (list: Uint8ArrayList): [number, number] | undefined {
  let value = 0
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (i >= list.byteLength) return undefined
    const byte = list.get(i)
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  // more than five bytes: a length beyond anything we accept
  return [Number.MAX_SAFE_INTEGER, MAX_VARINT_BYTES]
}
