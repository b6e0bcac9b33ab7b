/**
 * Proves the pieces the HTTP server's defences are made of: the token bucket (burst, refill,
 * Retry-After, bounded client map), the constant-time token comparison, Host header parsing and
 * the loopback test that decides whether the admin API may start without a configured token.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TokenBucketLimiter } from '../../../relay/http/rate-limit.js'
import { allowedAdminHosts, hostName, isLoopbackHost, tokensEqual } from '../../../relay/http/admin-guard.js'

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the rate and says when to retry', () => {
    let now = 0
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, maxClients: 10, now: () => now })
    assert.deepEqual([1, 2, 3].map(() => limiter.take('a').allowed), [true, true, true])
    assert.deepEqual(limiter.take('a'), { allowed: false, retryAfterSeconds: 1 })
    assert.equal(limiter.take('b').allowed, true, 'buckets are per client')
    now = 499
    assert.equal(limiter.take('a').allowed, false)
    now = 1000
    assert.equal(limiter.take('a').allowed, true)
    const slow = new TokenBucketLimiter({ ratePerSecond: 0.1, burst: 1, maxClients: 10, now: () => 0 })
    slow.take('x')
    assert.equal(slow.take('x').retryAfterSeconds, 10)
  })

  it('keeps at most maxClients buckets, forgetting the least recently seen', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxClients: 3, now: () => 0 })
    for (const ip of ['1', '2', '3']) limiter.take(ip)
    limiter.take('1') // refused, and now the most recently seen
    for (let i = 0; i < 1000; i++) limiter.take(`flood-${i}`)
    assert.equal(limiter.size, 3)
    assert.equal(limiter.take('1').allowed, true, 'an evicted client starts again with a full bucket')
  })
})

describe('admin guards', () => {
  it('compares tokens by value, whatever their lengths', () => {
    assert.equal(tokensEqual('abc', 'abc'), true)
    assert.equal(tokensEqual('abd', 'abc'), false)
    assert.equal(tokensEqual('', 'abc'), false)
    assert.equal(tokensEqual('abcabc', 'abc'), false)
  })

  it('parses Host headers and allows loopback names plus configured ones', () => {
    assert.equal(hostName('127.0.0.1:9464'), '127.0.0.1')
    assert.equal(hostName('[::1]:9464'), '::1')
    assert.equal(hostName('Relay.Example.org'), 'relay.example.org')
    const allowed = allowedAdminHosts('0.0.0.0', ['relay.example.org'])
    assert.deepEqual([...allowed].sort(), ['127.0.0.1', '::1', 'localhost', 'relay.example.org'])
    assert.ok(allowedAdminHosts('10.0.0.5', []).has('10.0.0.5'))
  })

  it('knows which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopbackHost(host), true, host)
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host)
  })
})
