/**
 * Proves the public routes over real HTTP: health and readiness (503 when a check fails),
 * metrics in Prometheus text, the signed policy as exact DAG-CBOR bytes or as DAG-JSON by Accept,
 * the log head (404 before the first commit), inclusion proofs as CAR, and 404/406/400 answers.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagJson from '@ipld/dag-json'
import { equals } from 'multiformats/bytes'
import { decodeLogHead } from '../../protocol/log-head.js'
import { decodePolicyDocument, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { OPERATOR } from '../helpers/ledger.js'
import { startTestHttpServer } from '../helpers/http-server.js'
import type { TestHttpServer } from '../helpers/http-server.js'

describe('public HTTP routes', () => {
  let t: TestHttpServer
  before(async () => { t = await startTestHttpServer() })
  after(async () => { await t.cleanup() })

  it('reports health, and readiness from every check', async () => {
    assert.deepEqual(await (await fetch(`${t.url}/healthz`)).json(), { status: 'ok' })
    const ready = await fetch(`${t.url}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { ready: true, checks: { ledger: true, libp2p: true, log: true } })
    t.readiness.log = false
    const notReady = await fetch(`${t.url}/readyz`)
    assert.equal(notReady.status, 503)
    assert.deepEqual(await notReady.json(), { ready: false, checks: { ledger: true, libp2p: true, log: false } })
    t.readiness.log = true
  })

  it('serves metrics in the Prometheus text format, counting requests by route', async () => {
    const res = await fetch(`${t.url}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    assert.match(text, /^taurelay_build_info\{version="0\.0\.0-test",commit="test"\} 1$/m)
    assert.match(text, /^taurelay_http_requests_total\{route="healthz",status_class="2xx"\} 1$/m)
    assert.match(text, /^taurelay_http_requests_total\{route="readyz",status_class="5xx"\} 1$/m)
  })

  it('serves the policy as its exact DAG-CBOR bytes by default', async () => {
    const stored = await t.policy.current()
    const res = await fetch(`${t.url}/policy`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.dag-cbor')
    assert.equal(res.headers.get('etag'), `"${stored.cid.toString()}"`)
    const bytes = new Uint8Array(await res.arrayBuffer())
    assert.ok(equals(bytes, stored.bytes))
    const doc = decodePolicyDocument(bytes)
    verifyPolicyDocument(doc)
    assert.ok(equals(doc.relay.tau, OPERATOR.address))
  })

  it('serves the policy as DAG-JSON when the client asks for JSON, and 406 for anything else', async () => {
    const stored = await t.policy.current()
    for (const accept of ['application/json', 'application/vnd.ipld.dag-json']) {
      const res = await fetch(`${t.url}/policy`, { headers: { accept } })
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', new RegExp(`^${accept}`))
      const node = dagJson.decode<Record<string, unknown>>(new Uint8Array(await res.arrayBuffer()))
      assert.ok(equals(node.sig as Uint8Array, stored.doc.sig))
      assert.equal(BigInt((node.pricing as { perMiB: number }).perMiB), stored.doc.pricing.perMiB)
    }
    assert.equal((await fetch(`${t.url}/policy`, { headers: { accept: 'text/html' } })).status, 406)
  })

  it('serves the log head once committed, and proofs as CAR', async () => {
    const none = await fetch(`${t.url}/log/head`)
    assert.equal(none.status, 404)
    assert.equal((await none.json() as { error: string }).error, 'no_log_head')
    const stored = t.log.commit(OPERATOR.privateKey, 2)
    const head = await fetch(`${t.url}/log/head`)
    assert.equal(head.status, 200)
    const bytes = new Uint8Array(await head.arrayBuffer())
    assert.ok(equals(bytes, stored.bytes))
    assert.equal(decodeLogHead(bytes).count, 2)
    const json = await fetch(`${t.url}/log/head`, { headers: { accept: 'application/json' } })
    assert.equal((await json.json() as { count: number }).count, 2)

    const proof = await fetch(`${t.url}/log/proof/1`)
    assert.equal(proof.status, 200)
    assert.equal(proof.headers.get('content-type'), 'application/vnd.ipld.car')
    assert.ok(equals(new Uint8Array(await proof.arrayBuffer()), t.log.proofs.get(1) ?? new Uint8Array()))
    assert.equal((await fetch(`${t.url}/log/proof/2`)).status, 404)
    for (const bad of ['abc', '-1', '01', '99999999999999999999']) {
      assert.equal((await fetch(`${t.url}/log/proof/${bad}`)).status, 400, bad)
    }
  })

  it('answers unknown routes and methods with a JSON 404', async () => {
    const res = await fetch(`${t.url}/nope`)
    assert.equal(res.status, 404)
    assert.equal((await res.json() as { error: string }).error, 'not_found')
    assert.equal((await fetch(`${t.url}/policy`, { method: 'POST' })).status, 404)
  })
})
