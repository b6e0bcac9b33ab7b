// Proves every admission check of DESIGN.md §4.1 step 2 on a real relay: a bad signature, a
// replayed id, a stale tsMs, an unknown policy CID, a too-deep selector, a busy relay and a payer
// who cannot pay each end with a typed `rejected` result and its metric reason — and leave the
// ledger and log key space byte-for-byte unchanged.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { createPolicyDocument, encodePolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { readPolicy } from '../../relay/client/policy-client.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { MAX_SYNCS_PER_TARGET } from '../../relay/relay-sync/constants.js'
import { TestStore, buildIndexDag, waitFor } from '../helpers/graphsync.js'
import { dumpKeySpace, testKey } from '../helpers/ledger.js'
import { PAYER, buildAttachment, drain, startRelayHarness } from '../helpers/relay-sync.js'
import { RELAY } from '../helpers/transfer-log.js'
import type { HarnessOptions, RelayHarness } from '../helpers/relay-sync.js'
import type { RelaySyncOptions } from '../../relay/client/relay-sync-client.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { CID } from 'multiformats/cid'

/** Runs `fn` and asserts it rejects with `reason`, the tracer counted it and the key space did not change. */
async function expectRejected (h: RelayHarness, reason: string, fn: () => Promise<unknown>): Promise<void> {
  const before = await dumpKeySpace(h.accounts.db)
  const rejectedBefore = h.tracer.rejected.length
  await assert.rejects(fn(), { name: 'SyncRejectedError', reason })
  assert.equal(h.tracer.rejected.at(-1), reason)
  assert.equal(h.tracer.rejected.length, rejectedBefore + 1)
  assert.deepEqual(await dumpKeySpace(h.accounts.db), before, 'no ledger or log change')
}

describe('relay sync rejections', () => {
  let h: RelayHarness
  let target: TargetPeer
  let root: CID
  let options: RelaySyncOptions

  before(async () => {
    h = await startRelayHarness({ limits: { maxSelectorDepth: 10 } })
    const store = new MemoryBlockStore()
    root = (await buildAttachment(store, 3, 1024)).root
    target = await startTargetPeer({ blockStore: store })
    await target.node.dial(h.relay.getMultiaddrs()[0])
    options = {
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root,
      maxBlocks: 100,
      maxBytes: 1 << 20,
      maxCharge: 1_000_000n,
      policyCid: h.policy.cid,
      // the policy allows depth 10; the default selector asks for 100
      selector: { R: { l: { depth: 10 }, ':>': { a: { '>': { '@': {} } } } } }
    }
  })

  after(async () => {
    await target.stop()
    await h.stop()
  })

  it('rejects a request whose signature does not cover its fields (bad_signature)', async () => {
    const signed = h.client.signRequest(options)
    const tampered = { ...signed, maxCharge: signed.maxCharge + 1n }
    await expectRejected(h, 'bad_signature', async () => drain(h.client.run(tampered, h.policy, options)))
  })

  it('rejects a second use of a request id (replayed)', async () => {
    const signed = h.client.signRequest(options)
    const first = await drain(h.client.run(signed, h.policy, options))
    assert.equal(first.result.status, 'completed')
    await expectRejected(h, 'replayed', async () => drain(h.client.run(signed, h.policy, options)))
  })

  it('rejects a request made outside the clock skew (expired)', async () => {
    const stale = new RelaySyncClient({ libp2p: h.requester }, { tauPrivateKey: PAYER.privateKey, now: () => Date.now() - 10 * 60_000 })
    stale.pinPolicy(h.policy)
    await expectRejected(h, 'expired', async () => drain(stale.sync(options)))
  })

  it('rejects a policy CID the relay never published (unknown_policy)', async () => {
    const other = readPolicy(encodePolicyDocument(signPolicyDocument(createPolicyDocument({
      relay: { tau: RELAY.address }, issuedAtMs: Date.now() - 1000, pricing: { perBlock: 1n }
    }), RELAY.privateKey)))
    h.client.pinPolicy(other)
    await expectRejected(h, 'unknown_policy', async () => drain(h.client.sync({ ...options, policyCid: other.cid })))
  })

  it('rejects a selector deeper than the policy allows (selector_too_deep)', async () => {
    const deep = { R: { l: { depth: 11 }, ':>': { a: { '>': { '@': {} } } } } }
    await expectRejected(h, 'selector_too_deep', async () => drain(h.client.sync({ ...options, selector: deep })))
  })

  it('rejects a payer with neither balance nor free quota (insufficient_funds)', async () => {
    const poor = new RelaySyncClient({ libp2p: h.requester }, { tauPrivateKey: testKey('poor payer').privateKey })
    poor.pinPolicy(h.policy)
    await expectRejected(h, 'insufficient_funds', async () => drain(poor.sync(options)))
  })
})

/** A relay with `limits` and a connected target that serves a 21-block DAG at 100 ms per block. */
async function slowTargetBehindRelay (t: TestContext, limits: HarnessOptions['limits']): Promise<{ h: RelayHarness, options: RelaySyncOptions }> {
  const h = await startRelayHarness({ limits })
  const store = new TestStore()
  store.delayMs = 100
  const { root } = buildIndexDag(store, 20, 1024)
  const target = await startTargetPeer({ blockStore: store })
  t.after(async () => {
    await target.stop()
    await h.stop()
  })
  await target.node.dial(h.relay.getMultiaddrs()[0])
  return {
    h,
    options: { relay: h.relay.getMultiaddrs()[0], peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 20, maxCharge: 1_000_000n, policyCid: h.policy.cid }
  }
}

describe('relay sync concurrency', () => {
  it('rejects a sync beyond maxConcurrentSyncs while another runs (busy)', async (t) => {
    const { h, options } = await slowTargetBehindRelay(t, { maxConcurrentSyncs: 1 })
    const slow = drain(h.client.sync(options))
    await waitFor(() => h.relay.services.relaySync.activeSyncs === 1, 5000, 'the slow sync to be admitted')
    // the slot is taken before the hold is written: compare key spaces only once the hold is in
    const deadline = Date.now() + 5000
    while ((await h.accounts.ledger.account(PAYER.address))?.heldNanoTau === 0n) {
      assert.ok(Date.now() < deadline, 'timed out waiting for the slow sync\'s hold')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await expectRejected(h, 'busy', async () => drain(h.client.sync(options)))
    assert.equal((await slow).result.status, 'completed')
  })

  it('caps syncs towards one target at MAX_SYNCS_PER_TARGET whatever the policy allows: the rest are busy, none fails', async (t) => {
    const { h, options } = await slowTargetBehindRelay(t, { maxConcurrentSyncs: 100, maxConcurrentSyncsPerPayer: 100, maxConcurrentSyncsPerTarget: 100 })
    const extra = 6
    const outcomes = await Promise.all(Array.from({ length: MAX_SYNCS_PER_TARGET + extra }, async () => {
      try {
        return (await drain(h.client.sync(options))).result.status
      } catch (err: unknown) {
        return (err as { reason?: string }).reason ?? String(err)
      }
    }))
    const count = (status: string): number => outcomes.filter((o) => o === status).length
    assert.equal(count('completed'), MAX_SYNCS_PER_TARGET, JSON.stringify(outcomes))
    assert.equal(count('busy'), extra, JSON.stringify(outcomes))
  })
})
