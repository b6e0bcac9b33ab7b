// Proves the HamtGraphRelaySync flow end to end on real nodes and a real ledger/log: a 20-piece
// attachment HAMT arrives byte-identical through the relay, is charged exactly the policy's price
// beyond the free quota, debits the balance by that much and carries a receipt that verifies
// offline; a null root resolves through future-state; maxBlocks ends with `limit`; a requester
// that leaves mid-sync pays only for what was forwarded.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { chargeBlocks } from '../../accounting/charge.js'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { encodeTransferRecord } from '../../protocol/transfer-record.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { waitFor } from '../helpers/graphsync.js'
import { PAYER, buildAttachment, drain, startRelayHarness } from '../helpers/relay-sync.js'
import { RELAY } from '../helpers/transfer-log.js'
import type { RelayHarness } from '../helpers/relay-sync.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { CID } from 'multiformats/cid'

const PIECE = 256 * 1024
const FREE_QUOTA = PIECE * 3 + 1000
const PRICING = { perBlock: 1_000n, perMiB: 1_000_000n }
const CHAIN = new Uint8Array([0x00])

describe('relay sync flow', () => {
  let h: RelayHarness
  let target: TargetPeer
  let attachment: { root: CID, pieces: CID[], store: MemoryBlockStore }
  /** Block sizes in traversal order, from the first full sync. */
  let walkSizes: number[] = []

  before(async () => {
    h = await startRelayHarness({ freeQuotaBytes: FREE_QUOTA, pricing: PRICING })
    const store = new MemoryBlockStore()
    attachment = { ...await buildAttachment(store), store }
    target = await startTargetPeer({ blockStore: store, chain: CHAIN, stateRoot: attachment.root })
    // a NATed target holds a connection to the relay; the relay syncs over it
    await target.node.dial(h.relay.getMultiaddrs()[0])
  })

  after(async () => {
    await target.stop()
    await h.stop()
  })

  it('relays a 20-piece attachment byte-identical, charges the policy price beyond the free quota, with a verifying receipt', async () => {
    const before = await h.accounts.ledger.account(PAYER.address)
    assert.ok(before !== undefined)
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root: attachment.root,
      maxBlocks: 1000,
      maxBytes: 64 * 1024 * 1024,
      maxCharge: 1_000_000_000n,
      policyCid: h.policy.cid
    })
    const { blocks, result } = await drain(run)
    walkSizes = blocks.map((b) => b.bytes.byteLength)
    assert.equal(result.status, 'completed')
    assert.equal(attachment.store.size, blocks.length, 'every block of the DAG, each once')
    for (const block of blocks) assert.deepEqual(block.bytes, await attachment.store.get(block.cid))
    assert.equal(blocks.filter((b) => b.bytes.byteLength === PIECE).length, 20)
    const expected = chargeBlocks(blocks.map((b) => b.bytes.byteLength), { perBlockNanoTau: PRICING.perBlock, perMiBNanoTau: PRICING.perMiB }, FREE_QUOTA)
    assert.ok(expected.chargeNanoTau > 0n && expected.freeBytes > 0, 'both free and billable bytes')
    assert.equal(result.charge, expected.chargeNanoTau)
    assert.equal(result.freeBytes, expected.freeBytes)
    assert.equal(result.receiptVerified, true)
    assert.equal(result.balanceAfter, before.balanceNanoTau - expected.chargeNanoTau)
    const afterAccount = await h.accounts.ledger.account(PAYER.address)
    assert.equal(afterAccount?.balanceNanoTau, before.balanceNanoTau - expected.chargeNanoTau)
    // the receipt verifies offline from the proof CAR alone, and the log holds the same record
    const receipt = result.receipt
    assert.ok(receipt !== undefined)
    const verified = verifyReceipt(receipt.proof, { expectedRelayAddress: RELAY.address, expectedRecord: receipt.record })
    assert.equal(verified.record.status, 'completed')
    const logged = await h.accounts.log.recordAt(receipt.record.seq)
    assert.ok(logged !== undefined)
    assert.deepEqual(encodeTransferRecord(logged), encodeTransferRecord(receipt.record))
    assert.deepEqual(h.tracer.ended.at(-1), 'completed')
    assert.equal((await h.accounts.ledger.check()).ok, true)
  })

  it('resolves a null root through the target future state', async () => {
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      chain: CHAIN,
      maxBlocks: 1000,
      maxBytes: 64 * 1024 * 1024,
      maxCharge: 1_000_000_000n,
      policyCid: h.policy.cid
    })
    const { blocks, result } = await drain(run)
    assert.equal(result.status, 'completed')
    assert.ok(result.root?.equals(attachment.root))
    assert.ok(blocks[0].cid.equals(attachment.root))
    assert.equal(result.receipt?.record.root?.toString(), attachment.root.toString())
  })

  it('stops at maxBlocks with `limit`, charging and logging exactly the blocks forwarded', async () => {
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root: attachment.root,
      maxBlocks: 5,
      maxBytes: 64 * 1024 * 1024,
      maxCharge: 1_000_000_000n,
      policyCid: h.policy.cid
    })
    const { blocks, result } = await drain(run)
    assert.equal(result.status, 'limit')
    assert.equal(blocks.length, 5)
    assert.equal(result.receipt?.record.status, 'limit')
    assert.equal(result.receipt?.record.blocks, 5)
  })

  it('charges a requester that leaves mid-sync only for the blocks forwarded, and logs `requester_gone`', async () => {
    const head = await h.accounts.log.head()
    const countBefore = head?.head.count ?? 0
    const balanceBefore = (await h.accounts.ledger.account(PAYER.address))?.balanceNanoTau ?? 0n
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root: attachment.root,
      maxBlocks: 1000,
      maxBytes: 64 * 1024 * 1024,
      maxCharge: 1_000_000_000n,
      policyCid: h.policy.cid
    })
    let taken = 0
    for await (const block of run) {
      void block
      if (++taken === 3) break
    }
    await assert.rejects(run.result, { name: 'SyncStreamError' })
    await waitFor(() => h.tracer.ended.at(-1) === 'requester_gone', 10_000, 'the relay to see the requester gone')
    let record
    for (let i = 0; i < 100 && record === undefined; i++) {
      record = await h.accounts.log.recordAt(countBefore)
      if (record === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.ok(record !== undefined, 'the record is logged')
    assert.equal(record.status, 'requester_gone')
    assert.ok(record.blocks >= 3 && record.blocks < attachment.store.size, `forwarded ${record.blocks}`)
    // the free quota went to the first sync: every forwarded block is billed at the policy price
    const pricing = { perBlockNanoTau: PRICING.perBlock, perMiBNanoTau: PRICING.perMiB }
    assert.equal(record.charge, chargeBlocks(walkSizes.slice(0, record.blocks), pricing, 0).chargeNanoTau)
    assert.equal(record.bytes, walkSizes.slice(0, record.blocks).reduce((a, b) => a + b, 0))
    assert.equal((await h.accounts.ledger.account(PAYER.address))?.balanceNanoTau, balanceBefore - record.charge)
    assert.equal((await h.accounts.ledger.check()).ok, true)
  })

  it('stops before the block that would exceed the hold (maxCharge) with `limit`', async () => {
    const pricing = { perBlockNanoTau: PRICING.perBlock, perMiBNanoTau: PRICING.perMiB }
    // enough for exactly the first four blocks of the walk at full price
    const maxCharge = chargeBlocks(walkSizes.slice(0, 4), pricing, 0).chargeNanoTau
    const run = h.client.sync({
      relay: h.relay.getMultiaddrs()[0],
      peer: target.peerId,
      root: attachment.root,
      maxBlocks: 1000,
      maxBytes: 64 * 1024 * 1024,
      maxCharge,
      policyCid: h.policy.cid
    })
    const { blocks, result } = await drain(run)
    assert.equal(result.status, 'limit')
    assert.equal(blocks.length, 4)
    assert.equal(result.charge, maxCharge)
  })
})
