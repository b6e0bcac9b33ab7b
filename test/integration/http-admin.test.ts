/**
 * Proves the admin API works end to end over real HTTP and a real ledger: accounts list/show,
 * settlement credit (idempotent), signed statements that verify, the ledger check, policy publish
 * (signed and unsigned), and peer bindings — and that documents of another operator are refused.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { createPolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { policyToJson } from '../../protocol/policy-json.js'
import { signPeerBinding } from '../../protocol/peer-binding.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { bindingJson } from '../../relay/json-views.js'
import { startTestHttpServer } from '../helpers/http-server.js'
import { OPERATOR, settlement, testKey } from '../helpers/ledger.js'
import type { TestHttpServer } from '../helpers/http-server.js'

const NOW = 1_700_000_000_000

describe('admin API', () => {
  let t: TestHttpServer
  const payer = testKey('payer')
  const payerText = formatTauAddress(payer.address)

  before(async () => { t = await startTestHttpServer() })
  after(async () => { await t.cleanup() })

  async function admin (method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> {
    const res = await fetch(t.url + path, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }

  it('credits a signed settlement once, then reports it as a duplicate', async () => {
    const tx = toHex(encodeSettlementTx(settlement(payer, 5_000_000_000n)))
    const first = await admin('POST', '/admin/accounts/credit', { tx })
    assert.equal(first.status, 201)
    assert.equal(first.json.from, payerText)
    assert.equal(first.json.amountNanoTau, '5000000000')
    assert.equal(first.json.duplicate, false)
    const again = await admin('POST', '/admin/accounts/credit', { tx })
    assert.equal(again.status, 200)
    assert.equal(again.json.duplicate, true)
    assert.equal(again.json.balanceNanoTau, '5000000000')
  })

  it('answers a settlement to another operator with 422 and its ledger result', async () => {
    const stranger = testKey('stranger')
    const tx = signSettlementTx(stranger.privateKey, { v: 1, from: stranger.address, to: stranger.address, amountNanoTau: 1n, nonce: 0, tsMs: NOW })
    const res = await admin('POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })
    assert.equal(res.status, 422)
    assert.equal(res.json.error, 'settlement_not_to_operator')
  })

  it('lists and shows accounts, with paging', async () => {
    const other = testKey('payer-2')
    await admin('POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(settlement(other, 1_000_000_000n))) })
    const all = await admin('GET', '/admin/accounts')
    assert.equal(all.status, 200)
    assert.equal(all.json.accounts.length, 2)
    assert.equal(all.json.next, null)
    const page = await admin('GET', '/admin/accounts?limit=1')
    assert.equal(page.json.accounts.length, 1)
    const rest = await admin('GET', `/admin/accounts?limit=1&after=${String(page.json.next)}`)
    assert.equal(rest.json.accounts.length, 1)
    assert.notEqual(rest.json.accounts[0].address, page.json.accounts[0].address)

    const shown = await admin('GET', `/admin/accounts/${payerText}`)
    assert.equal(shown.status, 200)
    assert.equal(shown.json.balanceNanoTau, '5000000000')
    assert.equal((await admin('GET', `/admin/accounts/${formatTauAddress(testKey('nobody').address)}`)).status, 404)
    const bad = await admin('GET', '/admin/accounts/Tnot-an-address')
    assert.equal(bad.status, 400)
    assert.equal(bad.json.error, 'invalid_request')
  })

  it('signs statements with the operator key and checks the ledger', async () => {
    const res = await admin('GET', `/admin/accounts/${payerText}/statement?fromMs=0`)
    assert.equal(res.status, 200)
    assert.equal(res.json.relay, formatTauAddress(OPERATOR.address))
    assert.equal(res.json.creditedNanoTau, '5000000000')
    assert.equal(res.json.entries.length, 1)
    assert.match(res.json.sig, /^[0-9a-f]{130}$/)
    const check = await admin('GET', '/admin/ledger/check')
    assert.equal(check.status, 200)
    assert.equal(check.json.ok, true)
    assert.equal(check.json.totals.balanceNanoTau, '6000000000')
  })

  it('publishes an unsigned policy (signing it) and a signed one, and lists the history', async () => {
    const unsigned = createPolicyDocument({ relay: { tau: OPERATOR.address }, issuedAtMs: NOW + 1, pricing: { perMiB: 7n } })
    const first = await admin('POST', '/admin/policy', { policy: policyToJson(unsigned) })
    assert.equal(first.status, 201)
    assert.equal((await t.policy.current()).doc.pricing.perMiB, 7n)
    const signed = signPolicyDocument(createPolicyDocument({ relay: { tau: OPERATOR.address }, issuedAtMs: NOW + 2 }), OPERATOR.privateKey)
    assert.equal((await admin('POST', '/admin/policy', { policy: policyToJson(signed) })).status, 201)
    const history = await admin('GET', '/admin/policy/history')
    assert.equal(history.json.policies.length, 3)
    assert.equal(history.json.policies[2].cid, (await t.policy.current()).cid.toString())
  })

  it('refuses a policy of another operator', async () => {
    const stranger = testKey('stranger')
    const signed = signPolicyDocument(createPolicyDocument({ relay: { tau: stranger.address }, issuedAtMs: NOW }), stranger.privateKey)
    const before = t.policy.snapshot()
    const res = await admin('POST', '/admin/policy', { policy: policyToJson(signed) })
    assert.equal(res.status, 422)
    assert.equal(res.json.error, 'wrong_operator')
    const unsigned = await admin('POST', '/admin/policy', { policy: policyToJson(createPolicyDocument({ relay: { tau: stranger.address }, issuedAtMs: NOW })) })
    assert.equal(unsigned.status, 422)
    assert.deepEqual(t.policy.snapshot(), before)
  })

  it('adds, lists and removes peer bindings, refusing a tampered one', async () => {
    const key = await generateKeyPair('Ed25519')
    const binding = await signPeerBinding({ tauPrivateKey: OPERATOR.privateKey, libp2pPrivateKey: key, issuedAtMs: NOW - 1000, expiresAtMs: NOW + 1000 })
    const tampered = { ...bindingJson(binding), expiresAtMs: NOW + 2000 }
    const refused = await admin('PUT', '/admin/bindings', tampered)
    assert.equal(refused.status, 422)
    assert.equal(refused.json.error, 'bad_binding')
    assert.equal((await admin('PUT', '/admin/bindings', bindingJson(binding))).status, 200)
    const list = await admin('GET', '/admin/bindings')
    assert.deepEqual(list.json.bindings, [bindingJson(binding)])
    assert.equal((await admin('DELETE', `/admin/bindings/${String(bindingJson(binding).peer)}`)).status, 204)
    assert.equal((await admin('DELETE', `/admin/bindings/${String(bindingJson(binding).peer)}`)).status, 404)
  })
})
