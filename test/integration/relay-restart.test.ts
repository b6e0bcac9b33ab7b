/**
 * Proves that an in-process relay (relay/relay.ts) restarted on the same data directory keeps its
 * identity, balances, policy history and signed log head, and that both the ledger's and the log's
 * invariants hold after it (`accountsCheck`); and that two relays in one process keep libp2p's
 * metrics on their own registries (DESIGN.md §9.6, relay/libp2p-metrics.ts).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { fetchRelayPolicy } from '../../relay/services/policy-service.js'
import { recordOf } from '../helpers/transfer-log.js'
import { requestId, testKey } from '../helpers/ledger.js'
import { createTestClient, startTestRelay } from '../helpers/relay.js'
import type { Registry } from 'prom-client'

const PAYER = testKey('restart-payer')

async function metricLines (registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(prefix))
}

describe('relay restart on the same data dir', () => {
  it('keeps peer id, TAU address, balances, policy history and log head; invariants hold', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-relay-restart-'))
    t.after(async () => { await rm(dir, { recursive: true, force: true }) })

    const first = await startTestRelay({}, dir)
    const relay = first.relay
    await relay.ledger.creditSettlement(signSettlementTx(PAYER.privateKey, {
      v: 1, from: PAYER.address, to: relay.dataDir.tauAddress, amountNanoTau: 5_000_000n, nonce: 1, tsMs: Date.now()
    }))
    await first.setCircuit({ maxReservationsPerIp: 3 })
    // one charged transfer, logged in the same batch (what the relay-sync service does per sync)
    await relay.ledger.openHold({ requestId: requestId(1), payer: PAYER.address, maxChargeNanoTau: 10_000n, maxFreeBytes: 0 })
    const { receipt } = await relay.transferLog.settle(
      { requestId: requestId(1), chargeNanoTau: 7_000n, freeBytesUsed: 0, billableBytes: 1000 },
      recordOf(1, PAYER.address, 7_000n))
    const before = {
      peerId: relay.peerId,
      tau: relay.dataDir.tauAddress,
      balance: (await relay.ledger.account(PAYER.address))?.balanceNanoTau,
      history: (await relay.policyStore.history()).map((p) => p.cid.toString()),
      head: (await relay.transferLog.head())?.cid.toString()
    }
    assert.equal(before.balance, 5_000_000n - 7_000n)
    assert.equal(before.history.length, 2)
    assert.equal(before.head, receipt.headCid.toString())
    await first.cleanup()
    await relay.stop() // idempotent

    const second = await startTestRelay({}, dir)
    t.after(async () => { await second.cleanup() })
    const again = second.relay
    assert.equal(again.peerId, before.peerId)
    assert.deepEqual(again.dataDir.tauAddress, before.tau)
    assert.equal((await again.ledger.account(PAYER.address))?.balanceNanoTau, before.balance)
    assert.deepEqual((await again.policyStore.history()).map((p) => p.cid.toString()), before.history)
    assert.equal((await again.policyStore.current()).doc.circuit.maxReservationsPerIp, 3)
    assert.equal((await again.transferLog.head())?.cid.toString(), before.head)
    assert.deepEqual(await again.transferLog.recordAt(0), receipt.record)
    await second.cleanup()
    const reopened = await startTestRelay({}, dir)
    try {
      await reopened.relay.transferLog.stop()
      await reopened.relay.ledger.stop()
      const report = await accountsCheck(reopened.relay.db)
      assert.deepEqual(report.violations, [])
    } finally {
      await reopened.cleanup()
    }
  })
})

describe('two relays in one process', () => {
  it('keep libp2p metrics on their own registries and serve their own policy', async (t) => {
    const a = await startTestRelay()
    t.after(async () => { await a.cleanup() })
    const b = await startTestRelay()
    t.after(async () => { await b.cleanup() })
    const client = await createTestClient()
    t.after(async () => { await client.stop() })

    const policy = await fetchRelayPolicy(client, multiaddr(a.addr()))
    assert.equal(policy.cid.toString(), (await a.relay.policyStore.current()).cid.toString())
    const inbound = 'libp2p_connection_manager_connections{libp2p_connection_manager_connections="inbound"}'
    assert.deepEqual(await metricLines(a.relay.registry, inbound), [`${inbound} 1`])
    assert.deepEqual(await metricLines(b.relay.registry, inbound), [`${inbound} 0`])
    for (const r of [a.relay, b.relay]) {
      assert.equal((await metricLines(r.registry, 'taurelay_build_info')).length, 1)
      assert.ok((await metricLines(r.registry, 'process_cpu_seconds_total')).length > 0, 'default metrics on every registry')
    }
  })
})
