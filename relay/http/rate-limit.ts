/**
 * Per-client-IP rate limiting of the public routes: a token bucket per IP (refill `ratePerSecond`,
 * capacity `burst`) in a map bounded to `maxClients` entries, least recently seen evicted first.
 * An evicted client comes back with a full bucket, so under a flood of distinct IPs the limiter
 * forgets rather than grows; the bound is what keeps it from being a memory attack itself.
 */
import { HttpError } from './http-error.js'
import type { RequestHandler } from 'express'

/** Token bucket settings. */
export interface TokenBucketInit {
  /** Tokens added per second. */
  ratePerSecond: number
  /** Most tokens a bucket holds (the burst a client may make at once). */
  burst: number
  /** Most buckets kept. */
  maxClients: number
  /** Clock in ms. @default Date.now */
  now?: () => number
}

/** The decision for one request. */
export interface TakeResult {
  allowed: boolean
  /** Whole seconds until a token is available (0 when allowed). */
  retryAfterSeconds: number
}

interface Bucket { tokens: number, updatedMs: number }

/** Token buckets keyed by client, with a bounded number of clients. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly ratePerMs: number
  private readonly burst: number
  private readonly maxClients: number
  private readonly now: () => number

  constructor (init: TokenBucketInit) {
    this.ratePerMs = init.ratePerSecond / 1000
    this.burst = init.burst
    this.maxClients = init.maxClients
    this.now = init.now ?? Date.now
  }

  /** Takes one token of `key`'s bucket if there is one. */
  take (key: string): TakeResult {
    const now = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedMs: now }
    // re-insert so the map's insertion order is least-recently-seen first
    this.buckets.delete(key)
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value
      if (oldest !== undefined) this.buckets.delete(oldest)
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.updatedMs) * this.ratePerMs)
    bucket.updatedMs = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true, retryAfterSeconds: 0 }
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000)) }
  }

  /** Buckets currently kept (for tests of the bound). */
  get size (): number {
    return this.buckets.size
  }
}

/** Middleware answering 429 with Retry-After once `req.ip` (X-Forwarded-For only from trusted proxies) runs dry. */
export function rateLimit (limiter: TokenBucketLimiter): RequestHandler {
  return (req, _res, next) => {
    const { allowed, retryAfterSeconds } = limiter.take(req.ip ?? 'unknown')
    if (allowed) {
      next()
      return
    }
    next(new HttpError(429, 'rate_limited', 'too many requests', { headers: { 'Retry-After': String(retryAfterSeconds) }, reason: 'rate_limited' }))
  }
}
