/**
 * Proves the responder's upload limit: a token bucket lets its burst through at once, then paces
 * takers (concurrent ones too) to its rate, and refuses a rate that is not a positive number.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TokenBucket } from '../../../relay/graphsync/token-bucket.js'

describe('token bucket', () => {
  it('passes the burst at once, then paces concurrent takers to the rate', async () => {
    const bucket = new TokenBucket(1_000_000, 100_000)
    const t0 = performance.now()
    await bucket.take(100_000)
    assert.ok(performance.now() - t0 < 50, 'the burst is free')
    const t1 = performance.now()
    // 3 × 100 kB at 1 MB/s: the last taker waits for all three
    await Promise.all([bucket.take(100_000), bucket.take(100_000), bucket.take(100_000)])
    const ms = performance.now() - t1
    assert.ok(ms >= 280, `300 kB at 1 MB/s took ${ms} ms`)
    assert.ok(ms < 2_000, `took ${ms} ms`)
  })

  it('refuses a rate that is not a positive number', () => {
    assert.throws(() => new TokenBucket(0), RangeError)
    assert.throws(() => new TokenBucket(Number.NaN), RangeError)
  })
})
