// Proves seeding credit (DESIGN.md §5.1): a bound target that serves a sync earns
// floor(bytes × perMiB / 2^20) to its TAU address in the same ledger batch as the payer's charge;
// that credit pays for the seeder's own syncs before its balance; a seeder paying itself earns
// nothing; statements show the credit and `check()` ties every credit to its settled sync.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { seedingCreditFor } from '../../accounting/charge.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { createTestNode } from '../helpers/libp2p.js'
import { settlement, testKey } from '../helpers/ledger.js'
import { PAYER, buildAttachment, drain, startRelayHarness } from '../helpers/relay-sync.js'
import { RELAY } from '../helpers/transfer-log.js'
import type { RelayHarness } from '../helpers/relay-sync.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const SEEDER = testKey('seeding seeder')
const PER_MIB = 300_000n
const PRICING = { perBlock: 1_000n, perMiB: 1_000_000n }

describe('seeding credit', () => {
  let h: RelayHarness
  let target: TargetPeer
  let root: CID
  let boundTo: Uint8Array = SEEDER.address
  let seederNode: Libp2p

  before(async () => {
    h = await startRelayHarness({
      freeQuotaBytes: 0,
      pricing: PRICING,
      seedingCreditPerMiB: PER_MIB,
      // the target's binding names SEEDER (or whoever the test sets)
      seederAddress: async (peer) => (target !== undefined && bytesEqual(peer, target.peerId.toMultihash().bytes) ? boundTo : undefined)
    })
    const store = new MemoryBlockStore()
    root = (await buildAttachment(store, 6)).root
    target = await startTargetPeer({ blockStore: store })
    await target.node.dial(h.relay.getMultiaddrs()[0])
    seederNode = await createTestNode({ transport: 'tcp' })
  })

  after(async () => {
    await seederNode.stop()
    await target.stop()
    await h.stop()
  })

  async function syncAs (client: RelaySyncClient): Promise<Awaited<ReturnType<typeof drain>>> {
    return drain(client.sync({
      relay: h.relay.getMultiaddrs()[0], peer: target.peerId, root, maxBlocks: 1000, maxBytes: 64 << 20, maxCharge: 1_000_000_000n, policyCid: h.policy.cid
    }))
  }

  it('credits the bound seeder floor(bytes × perMiB / 2^20) with the charge, and check() is clean', async () => {
    const { result } = await syncAs(h.client) as { result: { status: string, bytes: number, charge: bigint } }
    assert.equal(result.status, 'completed')
    const expected = seedingCreditFor(result.bytes, PER_MIB)
    assert.ok(expected > 0n)
    const seeder = await h.accounts.ledger.account(SEEDER.address)
    assert.equal(seeder?.seedingCreditNanoTau, expected)
    assert.equal(seeder?.seededNanoTau, expected)
    assert.deepEqual((await h.accounts.ledger.check()).violations, [])
    const statement = await h.accounts.ledger.statement(SEEDER.address, { fromMs: 0, toMs: Date.now() + 60_000 }, RELAY.privateKey)
    assert.ok(statement.entries.some((e) => e.kind === 'seeding' && e.amountNanoTau === expected), 'the statement lists the credit')
  })

  it('the seeder spends its credit on its own sync before its balance', async () => {
    await h.accounts.ledger.creditSettlement(settlement(SEEDER, 5_000_000_000n))
    const before = await h.accounts.ledger.account(SEEDER.address)
    assert.ok(before !== undefined && before.seedingCreditNanoTau > 0n)
    // the seeder now pays for a sync served by someone else's target: bind the target elsewhere
    boundTo = PAYER.address
    const client = new RelaySyncClient({ libp2p: seederNode }, { tauPrivateKey: SEEDER.privateKey })
    await client.fetchPolicy(h.relay.getMultiaddrs()[0])
    const { result } = await syncAs(client) as { result: { status: string, charge: bigint } }
    assert.equal(result.status, 'completed')
    const afterAccount = await h.accounts.ledger.account(SEEDER.address)
    assert.ok(afterAccount !== undefined)
    const fromCredit = result.charge < before.seedingCreditNanoTau ? result.charge : before.seedingCreditNanoTau
    assert.equal(afterAccount.seedingCreditNanoTau, before.seedingCreditNanoTau - fromCredit)
    assert.equal(afterAccount.balanceNanoTau, before.balanceNanoTau - (result.charge - fromCredit))
    assert.deepEqual((await h.accounts.ledger.check()).violations, [])
  })

  it('a seeder that is the payer earns nothing', async () => {
    boundTo = PAYER.address
    const before = await h.accounts.ledger.account(PAYER.address)
    const { result } = await syncAs(h.client) as { result: { status: string, charge: bigint } }
    assert.equal(result.status, 'completed')
    const afterAccount = await h.accounts.ledger.account(PAYER.address)
    assert.equal(afterAccount?.seededNanoTau, before?.seededNanoTau)
    assert.ok(before !== undefined && afterAccount !== undefined)
    // it paid the charge (from the credit it earned above, then its balance) and earned nothing back
    assert.equal(afterAccount.balanceNanoTau + afterAccount.seedingCreditNanoTau, before.balanceNanoTau + before.seedingCreditNanoTau - result.charge)
  })
})

function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
