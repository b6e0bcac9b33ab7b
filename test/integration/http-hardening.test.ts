/**
 * Proves the HTTP server's defences over real sockets: every admin route refuses a missing or
 * wrong token with 401 and changes nothing (ledger key space, policies, bindings); oversized
 * bodies get 413, malformed JSON and schema failures 400 with the issue list; DNS-rebinding Host
 * and Origin headers get 403; slow clients are cut off with 408; public routes answer 429 with
 * Retry-After per client IP; a failing route answers 500 without a stack; and the admin API
 * refuses to listen on a public address without a configured token.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { toHex } from 'multiformats/bytes'
import { Registry } from 'prom-client'
import { encodeSettlementTx } from '../../accounting/settlement-tx.js'
import { createPolicyDocument } from '../../protocol/policy-document.js'
import { policyToJson } from '../../protocol/policy-json.js'
import { signPeerBinding } from '../../protocol/peer-binding.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { createHttpServer } from '../../relay/http/server.js'
import { createLogger } from '../../relay/logger.js'
import { bindingJson } from '../../relay/json-views.js'
import { dumpKeySpace, OPERATOR, settlement, testKey } from '../helpers/ledger.js'
import { startTestHttpServer } from '../helpers/http-server.js'
import { MemoryBindingSource, MemoryLogSource, MemoryPolicySource, defaultTestPolicy } from '../helpers/http-sources.js'
import type { TestHttpServer } from '../helpers/http-server.js'

const NOW = 1_700_000_000_000

/** Sends raw bytes, optionally dribbling `slow` one piece per `everyMs`; resolves with what came back when the socket closes. */
async function rawRequest (port: number, head: string, slow: string[] = [], everyMs = 100): Promise<{ text: string, elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    let i = 0
    const timer = setInterval(() => {
      if (i < slow.length && !socket.destroyed) socket.write(slow[i++])
    }, everyMs)
    socket.on('data', (d) => { text += d.toString('latin1') })
    socket.on('error', reject)
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ text, elapsedMs: Date.now() - start })
    })
    socket.write(head)
  })
}

describe('HTTP hardening', () => {
  let t: TestHttpServer
  before(async () => {
    t = await startTestHttpServer({ bodyLimitBytes: 4096, headersTimeoutMs: 300, requestTimeoutMs: 600, rateLimit: { requestsPerSecond: 1, burst: 3 } })
    await t.ledger.ledger.creditSettlement(settlement(testKey('payer'), 2_000_000_000n))
    const key = await generateKeyPair('Ed25519')
    await t.bindings.add(await signPeerBinding({ tauPrivateKey: OPERATOR.privateKey, libp2pPrivateKey: key, issuedAtMs: NOW - 1, expiresAtMs: NOW + 1000 }))
  })
  after(async () => { await t.cleanup() })

  async function crawl (): Promise<Array<{ method: string, path: string, body?: unknown }>> {
    const payer = formatTauAddress(testKey('payer').address)
    const binding = bindingJson((await t.bindings.list())[0])
    return [
      { method: 'GET', path: '/admin/accounts' },
      { method: 'GET', path: `/admin/accounts/${payer}` },
      { method: 'GET', path: `/admin/accounts/${payer}/statement` },
      { method: 'POST', path: '/admin/accounts/credit', body: { tx: toHex(encodeSettlementTx(settlement(testKey('new-payer'), 1_000_000_000n))) } },
      { method: 'GET', path: '/admin/ledger/check' },
      { method: 'POST', path: '/admin/policy', body: { policy: policyToJson(createPolicyDocument({ relay: { tau: OPERATOR.address }, issuedAtMs: NOW + 5 })) } },
      { method: 'GET', path: '/admin/policy/history' },
      { method: 'GET', path: '/admin/bindings' },
      { method: 'PUT', path: '/admin/bindings', body: binding },
      { method: 'DELETE', path: `/admin/bindings/${String(binding.peer)}` }
    ]
  }

  it('refuses every admin route without a token or with a wrong one, changing nothing', async () => {
    const keySpace = await dumpKeySpace(t.ledger.db)
    const policies = t.policy.snapshot()
    const bindings = t.bindings.snapshot()
    const wrong = [undefined, `Bearer ${t.token.slice(0, -1)}x`, 'Bearer short', `Basic ${t.token}`, `Bearer ${t.token}${t.token}`]
    for (const route of await crawl()) {
      for (const authorization of wrong) {
        const res = await fetch(t.url + route.path, {
          method: route.method,
          headers: { ...(authorization === undefined ? {} : { authorization }), 'content-type': 'application/json' },
          body: route.body === undefined ? undefined : JSON.stringify(route.body)
        })
        assert.equal(res.status, 401, `${route.method} ${route.path} with ${String(authorization)}`)
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tau-relay admin"')
        assert.equal((await res.json() as { error: string }).error, 'unauthorized')
      }
    }
    assert.deepEqual(await dumpKeySpace(t.ledger.db), keySpace)
    assert.deepEqual(t.policy.snapshot(), policies)
    assert.deepEqual(t.bindings.snapshot(), bindings)
    // the same credit with the right token does change the ledger: the crawl tested real routes
    const credit = (await crawl())[3]
    const ok = await fetch(t.url + credit.path, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: JSON.stringify(credit.body) })
    assert.equal(ok.status, 201)
    assert.notDeepEqual(await dumpKeySpace(t.ledger.db), keySpace)
    const rejected = t.logLines().filter((l) => l.reason === 'unauthorized')
    assert.equal(rejected.length, 50, 'each rejection logged once')
  })

  async function post (body: string, contentType = 'application/json'): Promise<{ status: number, json: any }> {
    const res = await fetch(`${t.url}/admin/accounts/credit`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': contentType }, body })
    return { status: res.status, json: await res.json() }
  }

  it('answers an oversized body with 413', async () => {
    const res = await post(JSON.stringify({ tx: 'ab'.repeat(4096) }))
    assert.equal(res.status, 413)
    assert.equal(res.json.error, 'body_too_large')
  })

  it('answers malformed JSON and schema failures with 400 and the issue list', async () => {
    const malformed = await post('{"tx":')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.json.error, 'malformed_json')
    const invalid = await post(JSON.stringify({ tx: 'zz', extra: 1 }))
    assert.equal(invalid.status, 400)
    assert.equal(invalid.json.error, 'invalid_request')
    const paths = (invalid.json.issues as Array<{ path: string }>).map((i) => i.path).sort()
    assert.deepEqual(paths, ['', 'tx'])
    const noBody = await post('tx=ab', 'text/plain')
    assert.equal(noBody.status, 400)
  })

  it('refuses DNS-rebinding Host and Origin headers on admin routes', async () => {
    const headers = { authorization: `Bearer ${t.token}` }
    const evilHost = await rawRequest(t.port, `GET /admin/accounts HTTP/1.1\r\nHost: evil.example:${t.port}\r\nAuthorization: Bearer ${t.token}\r\nConnection: close\r\n\r\n`)
    assert.match(evilHost.text, /^HTTP\/1\.1 403 /)
    assert.match(evilHost.text, /host_not_allowed/)
    const evilOrigin = await fetch(`${t.url}/admin/accounts`, { headers: { ...headers, origin: 'http://evil.example' } })
    assert.equal(evilOrigin.status, 403)
    assert.equal((await evilOrigin.json() as { error: string }).error, 'origin_not_allowed')
    const localhost = await rawRequest(t.port, `GET /admin/accounts HTTP/1.1\r\nHost: localhost:${t.port}\r\nAuthorization: Bearer ${t.token}\r\nConnection: close\r\n\r\n`)
    assert.match(localhost.text, /^HTTP\/1\.1 200 /)
  })

  it('cuts off a client that dribbles its headers (408)', async () => {
    const headers = Array.from({ length: 30 }, (_, i) => `X-Slow-${i}: 1\r\n`)
    const res = await rawRequest(t.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', headers)
    assert.match(res.text, /^HTTP\/1\.1 408 /)
    assert.ok(res.elapsedMs < 2000, `cut off after ${res.elapsedMs} ms`)
  })

  it('cuts off a client that dribbles its body (408)', async () => {
    const body = Array.from({ length: 30 }, () => 'a')
    const res = await rawRequest(t.port, `POST /admin/accounts/credit HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`, body)
    assert.match(res.text, /^HTTP\/1\.1 408 /)
    assert.ok(res.elapsedMs < 2500, `cut off after ${res.elapsedMs} ms`)
  })

  it('answers 429 with Retry-After once a client IP runs out of tokens, ignoring untrusted X-Forwarded-For', async () => {
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${t.url}/healthz`, { headers: { 'x-forwarded-for': `10.0.0.${i}` } })
      statuses.push(res.status)
      if (res.status === 429) retryAfter = res.headers.get('retry-after')
      await res.arrayBuffer()
    }
    assert.ok(statuses.filter((s) => s === 429).length >= 2, `statuses ${statuses.join(',')}`)
    assert.ok(Number(retryAfter) >= 1)
    // admin routes are not rate-limited: the token already bounds who can call them
    assert.equal((await fetch(`${t.url}/admin/ledger/check`, { headers: { authorization: `Bearer ${t.token}` } })).status, 200)
  })

  it('answers a failing route with 500 and no stack trace, logging the error', async () => {
    const failing = await startTestHttpServer()
    try {
      failing.policy.current = async () => { throw new Error('disk on fire at /secret/path') }
      const res = await fetch(`${failing.url}/policy`)
      assert.equal(res.status, 500)
      const text = await res.text()
      assert.deepEqual(JSON.parse(text), { error: 'internal_error' })
      assert.doesNotMatch(text, /secret|at .*\.js/)
      assert.ok(failing.logLines().some((l) => l.msg === 'request failed' && JSON.stringify(l.err).includes('disk on fire')))
    } finally {
      await failing.cleanup()
    }
  })

  it('trusts X-Forwarded-For only from configured proxies', async () => {
    const proxied = await startTestHttpServer({ trustedProxies: ['127.0.0.1'], rateLimit: { requestsPerSecond: 1, burst: 1 } })
    try {
      const a = await fetch(`${proxied.url}/healthz`, { headers: { 'x-forwarded-for': '192.0.2.1' } })
      const b = await fetch(`${proxied.url}/healthz`, { headers: { 'x-forwarded-for': '192.0.2.2' } })
      const c = await fetch(`${proxied.url}/healthz`, { headers: { 'x-forwarded-for': '192.0.2.1' } })
      assert.deepEqual([a.status, b.status, c.status], [200, 200, 429])
    } finally {
      await proxied.cleanup()
    }
  })

  it('refuses to serve admin on a non-loopback host unless the token is configured', async () => {
    const components = {
      ledger: t.ledger.ledger,
      metricsRegistry: new Registry(),
      policy: new MemoryPolicySource(defaultTestPolicy(OPERATOR.privateKey)),
      log: new MemoryLogSource(),
      bindings: new MemoryBindingSource(),
      readiness: () => ({}),
      logger: createLogger({ level: 'silent', format: 'json' }),
      tauPrivateKey: OPERATOR.privateKey
    }
    const exposed = createHttpServer(components, { host: '0.0.0.0', port: 0, adminToken: t.token })
    await assert.rejects(exposed.start(), { name: 'AdminExposedError', host: '0.0.0.0' })
    assert.equal(exposed.address, undefined)
    const configured = createHttpServer(components, { host: '0.0.0.0', port: 0, adminToken: t.token, adminTokenConfigured: true })
    await configured.start()
    assert.ok((configured.address?.port ?? 0) > 0)
    await configured.stop()
    const noAdmin = createHttpServer(components, { host: '0.0.0.0', port: 0 })
    await noAdmin.start()
    await noAdmin.stop()
  })
})
