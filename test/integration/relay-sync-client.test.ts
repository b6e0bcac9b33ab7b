// Proves the requester catches a lying relay with its own selector walk: a block whose bytes do
// not hash to its CID, a valid block the walk does not need next, and a result that claims more
// than arrived each fail the sync with RelayMisbehavedError naming what was wrong.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { POLICY_PROTOCOL, RELAY_SYNC_PROTOCOL } from '../../protocol/constants.js'
import { createPolicyDocument, encodePolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { decodeSyncRequest, encodeSyncBlockFrame, encodeSyncResultFrame } from '../../protocol/relay-sync/codec.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { createTestNode } from '../helpers/libp2p.js'
import { PAYER, buildAttachment, drain, putPiece } from '../helpers/relay-sync.js'
import { RELAY } from '../helpers/transfer-log.js'
import type { SyncResult } from '../../protocol/relay-sync/messages.js'
import type { TestContext } from 'node:test'
import type { CID } from 'multiformats/cid'

type Frame = { cid: CID, bytes: Uint8Array } | { result: SyncResult }

/** A fake relay that answers every sync with `frames(root)`; returns the client's run result. */
async function againstLiar (t: TestContext, frames: (blocks: Array<{ cid: CID, bytes: Uint8Array }>, root: CID) => Frame[]): Promise<unknown> {
  const store = new MemoryBlockStore()
  const { root } = await buildAttachment(store, 3, 1024)
  const rootBytes = await store.get(root) as Uint8Array
  const liar = await createTestNode({ transport: 'tcp' })
  const requester = await createTestNode({ transport: 'tcp' })
  t.after(async () => {
    await requester.stop()
    await liar.stop()
  })
  const policyBytes = encodePolicyDocument(signPolicyDocument(createPolicyDocument({ relay: { tau: RELAY.address }, issuedAtMs: Date.now() }), RELAY.privateKey))
  await liar.handle(POLICY_PROTOCOL, async (stream) => {
    await lpStream(stream).write(policyBytes)
    await stream.close()
  })
  const hamt = await Hamt.load(store, root)
  const blocks = [{ cid: root, bytes: rootBytes }]
  for await (const [, value] of hamt.entries()) blocks.push({ cid: value as CID, bytes: await store.get(value as CID) as Uint8Array })
  await liar.handle(RELAY_SYNC_PROTOCOL, async (stream) => {
    const lp = lpStream(stream)
    decodeSyncRequest((await lp.read()).subarray())
    for (const frame of frames(blocks, root)) {
      await lp.write('result' in frame ? encodeSyncResultFrame(frame.result) : encodeSyncBlockFrame(frame.cid, frame.bytes))
    }
    await stream.close()
  })
  const client = new RelaySyncClient({ libp2p: requester }, { tauPrivateKey: PAYER.privateKey })
  const policy = await client.fetchPolicy(liar.getMultiaddrs()[0])
  const run = client.sync({ relay: liar.getMultiaddrs()[0], peer: liar.peerId, root, maxBlocks: 10, maxBytes: 1 << 20, maxCharge: 1000n, policyCid: policy.cid })
  return drain(run)
}

const result = (blocks: number, bytes: number): SyncResult => ({ status: 'completed', root: null, blocks, bytes, freeBytes: 0, charge: 0n, balanceAfter: 0n })

describe('relay sync client against a lying relay', () => {
  it('refuses a block that does not hash to its CID', async (t) => {
    await assert.rejects(againstLiar(t, (blocks) => {
      const bad = Uint8Array.from(blocks[0].bytes)
      bad[bad.length - 1] ^= 1
      return [{ cid: blocks[0].cid, bytes: bad }]
    }), { name: 'RelayMisbehavedError', what: 'bad_block' })
  })

  it('refuses a valid block the walk does not need next', async (t) => {
    const strayStore = new MemoryBlockStore()
    const strayBytes = new TextEncoder().encode('a valid block from somewhere else')
    const stray = await putPiece(strayStore, strayBytes)
    await assert.rejects(againstLiar(t, (blocks) => [blocks[0], { cid: stray, bytes: strayBytes }]),
      { name: 'RelayMisbehavedError', what: 'out_of_order' })
  })

  it('refuses a result that claims blocks which never arrived', async (t) => {
    await assert.rejects(againstLiar(t, (blocks) => [blocks[0], { result: { ...result(4, 9999), root: blocks[0].cid } }]),
      { name: 'RelayMisbehavedError', what: 'blocks' })
  })
})
