// Proves the policy store on a real LevelDB: only verified documents of the operator enter the
// history (a rejection writes nothing), publishing is idempotent, current/honoured/unknown follow
// validFromMs and honouredUntilMs, the history and bindings survive a reopen, and the bindings
// adapter fits the HTTP BindingSource shape.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { bindingSource, PolicyStore } from '../../accounting/policy-store.js'
import { signPeerBinding } from '../../protocol/peer-binding.js'
import { createPolicyDocument, encodePolicyDocument, policyDocumentCid, signPolicyDocument } from '../../protocol/policy-document.js'
import { createTestLedger, dumpKeySpace, OPERATOR, testKey } from '../helpers/ledger.js'
import type { BindingSource, PolicySource } from '../../relay/http/sources.js'
import type { TestLedger } from '../helpers/ledger.js'

const T0 = 1_700_000_000_000
const doc = (issuedAtMs: number, extra: { validFromMs?: number, honouredUntilMs?: number, key?: Uint8Array } = {}): Uint8Array => {
  const key = extra.key ?? OPERATOR.privateKey
  const unsigned = createPolicyDocument({ relay: { tau: OPERATOR.address }, issuedAtMs, validFromMs: extra.validFromMs, honouredUntilMs: extra.honouredUntilMs })
  if (key !== OPERATOR.privateKey) unsigned.relay.tau = testKey('mallory').address
  return encodePolicyDocument(signPolicyDocument(unsigned, key))
}

describe('policy store', () => {
  const ledgers: TestLedger[] = []
  after(async () => { for (const t of ledgers) await t.cleanup() })
  const open = async (): Promise<{ t: TestLedger, store: PolicyStore }> => {
    const t = await createTestLedger()
    ledgers.push(t)
    const store = new PolicyStore({ db: t.db }, { operatorAddress: OPERATOR.address, now: () => T0 })
    await store.start()
    return { t, store }
  }

  it('publishes verified documents and selects current, honoured and unknown by time', async () => {
    const { t, store } = await open()
    await assert.rejects(store.current(T0), { name: 'NoCurrentPolicyError' })
    const first = await store.import(doc(T0, { honouredUntilMs: T0 + 2000 }))
    assert.ok(first.cid.equals(policyDocumentCid(first.bytes)))
    assert.ok((await store.current(T0)).cid.equals(first.cid))
    const second = await store.publish(doc(T0 + 1, { validFromMs: T0 + 1000 }))
    assert.equal(await store.select(first.cid, T0 + 500), 'current')
    assert.equal(await store.select(second.cid, T0 + 500), 'unknown', 'not in effect yet')
    assert.equal(await store.select(second.cid, T0 + 1000), 'current')
    assert.equal(await store.select(first.cid, T0 + 1500), 'honoured')
    assert.equal(await store.select(first.cid, T0 + 2000), 'unknown')
    assert.ok((await store.current(T0 + 1000)).cid.equals(second.cid))
    assert.ok((await store.newestPublished())?.equals(second.cid))
    const again = await store.publish(doc(T0, { honouredUntilMs: T0 + 2000 }))
    assert.ok(again.cid.equals(first.cid))
    assert.equal((await store.history()).length, 2)

    const reopened = new PolicyStore({ db: t.db }, { now: () => T0 + 1000 })
    await reopened.start()
    assert.deepEqual((await reopened.history()).map((p) => p.cid.toString()), [first.cid.toString(), second.cid.toString()])
    assert.ok((await reopened.current()).cid.equals(second.cid))
    const source: PolicySource = store
    assert.ok((await source.history()).length === 2)
  })

  it('rejects forged, foreign and malformed documents without writing', async () => {
    const { t, store } = await open()
    await store.publish(doc(T0))
    const before = await dumpKeySpace(t.db)
    const forged = doc(T0 + 5)
    forged[forged.length - 2] ^= 1
    await assert.rejects(store.publish(forged), { name: 'InvalidSignatureError' })
    await assert.rejects(store.publish(doc(T0 + 6, { key: testKey('mallory').privateKey })), { name: 'PolicyOperatorMismatchError' })
    await assert.rejects(store.publish(new Uint8Array([0xa1, 0x61, 0x76, 0x02])), { name: 'MalformedMessageError' })
    assert.deepEqual(await dumpKeySpace(t.db), before)
    assert.equal((await store.history()).length, 1)
  })

  it('stores, lists and removes verified peer bindings', async () => {
    const { t, store } = await open()
    const libp2pPrivateKey = await generateKeyPair('Ed25519')
    const binding = await signPeerBinding({ tauPrivateKey: OPERATOR.privateKey, libp2pPrivateKey, issuedAtMs: T0 - 1, expiresAtMs: T0 + 60_000 })
    const source: BindingSource = bindingSource(store)
    await source.add(binding)
    assert.deepEqual(await store.bindings(), [binding])
    const before = await dumpKeySpace(t.db)
    await assert.rejects(store.putBinding({ ...binding, tauSig: new Uint8Array(65) }), { name: 'InvalidPeerBindingError' })
    assert.deepEqual(await dumpKeySpace(t.db), before)
    assert.equal(await source.remove(binding.peer), true)
    assert.equal(await store.deleteBinding(binding.peer), false)
    assert.deepEqual(await source.list(), [])
  })
})
