/**
 * The relay's end of one `/tau/graphrelaysync/1.0.0` stream: reads the one SyncRequest frame,
 * then writes block frames with backpressure (each write waits until at most one frame is queued
 * unsent, so a slow requester slows the sync and never grows relay memory) and one result frame. `gone` aborts
 * as soon as the stream closes or resets, so a sync waiting on its target learns it at once.
 */
import { lpStream } from '@libp2p/utils'
import { varint } from 'multiformats'
import { MAX_SYNC_BLOCK_FRAME_BYTES, MAX_SYNC_REQUEST_BYTES } from '../../protocol/constants.js'
import { encodeSyncBlockFrame, encodeSyncResultFrame } from '../../protocol/relay-sync/codec.js'
import { RequesterGoneError } from './errors.js'
import type { SyncResult } from '../../protocol/relay-sync/messages.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Time limits of one requester stream. */
export interface RequesterStreamInit {
  readTimeoutMs: number
  sendTimeoutMs: number
  resultTimeoutMs: number
  maxBlockBytes: number
}

/**
 * Bytes a requester stream may hold unsent before the next block waits: one largest block frame,
 * so a sync holds at most the frame being written plus graphsync's small output queue.
 */
export const MAX_QUEUED_WRITE_BYTES = MAX_SYNC_BLOCK_FRAME_BYTES

/** Longest wait for a 'drain' event before the write buffer is checked again. */
const DRAIN_RECHECK_MS = 50

/** Resolves on the stream's next 'drain' event or after DRAIN_RECHECK_MS; rejects when `signal` aborts. */
async function nextDrain (stream: Stream, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('drain', done)
      signal.removeEventListener('abort', onAbort)
      resolve()
    }
    const onAbort = (): void => {
      done()
      reject(signal.reason)
    }
    const timer = setTimeout(done, DRAIN_RECHECK_MS)
    stream.addEventListener('drain', done)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function lengthPrefixed (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encodeTo(body.byteLength, out, 0)
  out.set(body, out.byteLength - body.byteLength)
  return out
}

/** One requester stream, relay side. */
export class RequesterStream {
  private readonly stream: Stream
  private readonly init: RequesterStreamInit
  private readonly goneController = new AbortController()

  constructor (stream: Stream, init: RequesterStreamInit) {
    this.stream = stream
    this.init = init
    stream.addEventListener('close', this.onClose)
    if (stream.status !== 'open') this.onClose()
  }

  /** Aborted (with RequesterGoneError) once the stream can no longer carry frames to the requester. */
  get gone (): AbortSignal {
    return this.goneController.signal
  }

  /** Reads the request frame (≤ MAX_SYNC_REQUEST_BYTES) within the read timeout. */
  async readRequest (): Promise<Uint8Array> {
    const lp = lpStream(this.stream, { maxDataLength: MAX_SYNC_REQUEST_BYTES })
    const frame = await lp.read({ signal: AbortSignal.timeout(this.init.readTimeoutMs) })
    lp.unwrap()
    return frame.subarray()
  }

  /** Sends one block frame; resolves when the muxer took it; RequesterGoneError if it cannot. */
  async sendBlock (cid: CID, bytes: Uint8Array): Promise<void> {
    await this.write(encodeSyncBlockFrame(cid, bytes, { maxBlockBytes: this.init.maxBlockBytes }), this.init.sendTimeoutMs)
  }

  /** Sends the result frame and closes our side; false when the requester is gone. */
  async sendResult (result: SyncResult): Promise<boolean> {
    try {
      await this.write(encodeSyncResultFrame(result), this.init.resultTimeoutMs)
      await this.stream.close({ signal: AbortSignal.timeout(this.init.resultTimeoutMs) })
      return true
    } catch {
      this.abort(new RequesterGoneError('could not deliver the result'))
      return false
    } finally {
      this.detach()
    }
  }

  /** Resets the stream (nothing more will be sent). */
  abort (err: Error): void {
    this.detach()
    try {
      this.stream.abort(err)
    } catch {}
  }

  private async write (body: Uint8Array, timeoutMs: number): Promise<void> {
    if (this.gone.aborted) throw new RequesterGoneError()
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.gone])
    try {
      this.stream.send(lengthPrefixed(body))
      // `onDrain()` cannot be trusted: @libp2p/utils 7 resolves its promise once and never
      // replaces it, so after the first drain it returns at once (measured: 20 MB queued behind a
      // paused requester). Wait for the next 'drain' event ourselves, re-checking the bound.
      while (this.stream.writeBufferLength > MAX_QUEUED_WRITE_BYTES) await nextDrain(this.stream, signal)
    } catch (err: unknown) {
      const gone = new RequesterGoneError(`requester stream failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      if (!this.gone.aborted) this.goneController.abort(gone)
      throw gone
    }
  }

  private readonly onClose = (): void => {
    try {
      if (!this.goneController.signal.aborted) this.goneController.abort(new RequesterGoneError())
    } catch {}
  }

  private detach (): void {
    this.stream.removeEventListener('close', this.onClose)
  }
}
