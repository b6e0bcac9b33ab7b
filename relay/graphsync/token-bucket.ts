/**
 * A token bucket over bytes: the upload limit of a responder (a phone's uplink, in benches and
 * tests). Takers may overdraw: a frame larger than the bucket passes after the wait its size
 * costs, and concurrent takers queue behind the debt, so the long-run rate is exact whatever the
 * frame sizes.
 */

/** Bucket depth when none is given: one graphsync message's blocks (go-graphsync's 512 KiB). */
export const DEFAULT_RATE_LIMIT_BURST_BYTES = 512 * 1024

/** Limits bytes per second across every caller. */
export class TokenBucket {
  readonly bytesPerSecond: number
  private readonly burstBytes: number
  private tokens: number
  private lastMs: number

  /** `burstBytes` defaults to one message's blocks, at most one second's worth (a slow uplink has no burst). */
  constructor (bytesPerSecond: number, burstBytes = Math.min(DEFAULT_RATE_LIMIT_BURST_BYTES, bytesPerSecond)) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new RangeError('bytesPerSecond must be a positive number')
    this.bytesPerSecond = bytesPerSecond
    this.burstBytes = burstBytes
    this.tokens = burstBytes
    this.lastMs = performance.now()
  }

  /** Takes `bytes`, waiting as long as the bucket is in debt. */
  async take (bytes: number): Promise<void> {
    const now = performance.now()
    this.tokens = Math.min(this.burstBytes, this.tokens + (now - this.lastMs) * this.bytesPerSecond / 1000)
    this.lastMs = now
    this.tokens -= bytes
    if (this.tokens >= 0) return
    const waitMs = -this.tokens * 1000 / this.bytesPerSecond
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}
