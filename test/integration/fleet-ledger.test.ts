// Proves the fleet ledger in one process against a real PostgreSQL: three nodes (three
// PostgresLedger instances, no shared queue) racing on one payer never overspend and never hand
// out the free quota twice; a node recovers only its own holds; "charged iff logged" holds across
// the two databases when a node dies after the PostgreSQL commit but before its log commit, or
// after its log commit but before the seq write-back (the reconcile logs once, never twice); the
// check finds a tampered seq; an unreachable database is a LedgerUnavailableError; and the config
// accepts the fleet keys.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { PostgresLedger } from '../../accounting/ledger-postgres/postgres-ledger.js'
import { encodePendingRecord, pendingKey } from '../../accounting/transfer-log-keys.js'
import { loadConfig } from '../../relay/config.js'
import { startFleetNode } from '../helpers/fleet.js'
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { freePort, startPostgres } from '../helpers/postgres.js'
import { recordOf } from '../helpers/transfer-log.js'
import type { FleetNode } from '../helpers/fleet.js'
import type { PostgresCluster } from '../helpers/postgres.js'

const alice = testKey('fleet alice')
const bob = testKey('fleet bob')
const carol = testKey('fleet carol')

async function query (url: string, text: string, values: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows
  } finally {
    await client.end()
  }
}

describe('fleet ledger (three nodes, one PostgreSQL)', () => {
  let cluster: PostgresCluster
  let url: string
  let nodes: FleetNode[]
  before(async () => {
    cluster = await startPostgres()
    url = await cluster.createDatabase('fleet')
    // started one after another: the first migrates, the others find the schema applied
    nodes = []
    for (const n of [1, 2, 3]) nodes.push(await startFleetNode(url, n, { freeQuotaBytes: 1000 }))
  })
  after(async () => {
    for (const node of nodes ?? []) await node.stop()
    await cluster?.stop()
  })

  it('60 concurrent charges of 10 against 100 spread over three nodes: exactly 10 succeed', async () => {
    await nodes[0].ledger.creditSettlement(settlement(alice, 100n))
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, async (_, i) => {
      const node = nodes[i % 3]
      const id = requestId(1000 + i)
      await node.ledger.openHold({ requestId: id, payer: alice.address, maxChargeNanoTau: 10n, maxFreeBytes: 0 })
      return node.log.settle({ requestId: id, chargeNanoTau: 10n, freeBytesUsed: 0, billableBytes: 10 }, recordOf(1000 + i, alice.address, 10n))
    }))
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    assert.equal(outcomes.length - rejected.length, 10)
    assert.deepEqual([...new Set(rejected.map((r) => (r.reason as Error).name))], ['ExceedsBalanceError'])
    const account = await nodes[2].ledger.account(alice.address)
    assert.equal(account?.balanceNanoTau, 0n)
    assert.equal(account?.chargedNanoTau, 100n)
    assert.equal(account?.heldNanoTau, 0n)
    assert.deepEqual((await nodes[1].ledger.check()).violations, [])
  })

  it('hands out the free quota once across the fleet, not once per node', async () => {
    const holds = await Promise.allSettled(Array.from({ length: 30 }, async (_, i) =>
      nodes[i % 3].ledger.openHold({ requestId: requestId(2000 + i), payer: bob.address, maxChargeNanoTau: 0n, maxFreeBytes: 100 })))
    const granted = holds.filter((h) => h.status === 'fulfilled').map((h) => h.value)
    assert.equal(granted.reduce((sum, h) => sum + h.heldFreeBytes, 0), 1000)
    await Promise.all(holds.map(async (h, i) => {
      if (h.status === 'rejected') return
      await nodes[i % 3].log.settle({ requestId: h.value.requestId, chargeNanoTau: 0n, freeBytesUsed: h.value.heldFreeBytes, billableBytes: 0 }, recordOf(2000 + i, bob.address, 0n, h.value.heldFreeBytes))
    }))
    const account = await nodes[0].ledger.account(bob.address)
    assert.equal(account?.freeQuotaUsedBytes, 1000)
    for (const node of nodes) assert.deepEqual((await node.ledger.check()).violations, [])
    await assert.rejects(nodes[1].ledger.openHold({ requestId: requestId(2100), payer: bob.address, maxChargeNanoTau: 0n }), { name: 'ExceedsBalanceError' })
  })

  it('releases only its own open holds on recovery', async () => {
    await nodes[0].ledger.creditSettlement(settlement(carol, 1000n))
    await nodes[0].ledger.openHold({ requestId: requestId(3000), payer: carol.address, maxChargeNanoTau: 300n })
    assert.equal(await nodes[1].ledger.recoverOpenHolds(), 0)
    assert.equal((await nodes[1].ledger.account(carol.address))?.heldNanoTau, 300n)
    assert.equal(await nodes[0].ledger.recoverOpenHolds(), 1)
    assert.equal((await nodes[1].ledger.account(carol.address))?.heldNanoTau, 0n)
  })

  it('charges and logs through the transfer log, writing the seq back', async () => {
    const node = nodes[0]
    await node.ledger.openHold({ requestId: requestId(4000), payer: carol.address, maxChargeNanoTau: 50n })
    const { receipt } = await node.log.settle({ requestId: requestId(4000), chargeNanoTau: 50n, freeBytesUsed: 0, billableBytes: 10 }, recordOf(4000, carol.address, 50n))
    await node.ledger.stop()
    await node.ledger.start()
    const [row] = await query(url, 'SELECT log_seq, log_floor FROM ledger_charges WHERE request_id = $1', [Buffer.from(requestId(4000))])
    assert.equal(Number(row.log_seq), receipt.record.seq)
    assert.ok(Number(row.log_floor) <= receipt.record.seq)
    assert.deepEqual((await node.ledger.check()).violations, [])
  })

  it('logs a charge whose node died between the PostgreSQL commit and its log commit', async () => {
    const node = nodes[1]
    const id = requestId(5000)
    await node.ledger.openHold({ requestId: id, payer: carol.address, maxChargeNanoTau: 70n })
    // the charge commits in PostgreSQL; the node dies before writing its pending record
    await node.ledger.settleLogged({ requestId: id, chargeNanoTau: 70n, freeBytesUsed: 0, billableBytes: 70 }, encodePendingRecord(recordOf(5000, carol.address, 70n)), 0)
    const countBefore = (await node.log.head())?.head.count ?? 0
    await node.crash()
    await node.restart()
    const head = await node.log.head()
    assert.equal(head?.head.count, countBefore + 1, 'logged exactly once')
    const record = await node.log.recordAt(countBefore)
    assert.deepEqual(record?.requestId, id)
    assert.equal(record?.charge, 70n)
    assert.deepEqual((await node.ledger.check()).violations, [])
  })

  it('never logs twice a charge whose node died between its log commit and the seq write-back', async () => {
    const node = nodes[2]
    const id = requestId(6000)
    await node.ledger.openHold({ requestId: id, payer: carol.address, maxChargeNanoTau: 20n })
    const bytes = encodePendingRecord(recordOf(6000, carol.address, 20n))
    await node.ledger.settleLogged({ requestId: id, chargeNanoTau: 20n, freeBytesUsed: 0, billableBytes: 20 }, bytes, (await node.log.head())?.head.count ?? 0)
    await node.db.batch([{ type: 'put', key: pendingKey(id), value: bytes }], { sync: false })
    const receipt = await node.log.commit(id)
    await node.crash()
    await node.restart()
    assert.equal((await node.log.head())?.head.count, receipt.record.seq + 1, 'no second record')
    const [row] = await query(url, 'SELECT log_seq FROM ledger_charges WHERE request_id = $1', [Buffer.from(id)])
    assert.equal(Number(row.log_seq), receipt.record.seq)
    assert.deepEqual((await node.ledger.check()).violations, [])
  })

  it('finds a charge row whose seq names another record of the log', async () => {
    const node = nodes[0]
    await query(url, 'UPDATE ledger_charges SET log_seq = log_seq + 1000 WHERE request_id = $1', [Buffer.from(requestId(4000))])
    const report = await node.ledger.check()
    assert.equal(report.ok, false)
    assert.ok(report.violations.some((v) => v.includes('which the log does not hold')), report.violations.join('\n'))
    await query(url, 'UPDATE ledger_charges SET log_seq = log_seq - 1000 WHERE request_id = $1', [Buffer.from(requestId(4000))])
    assert.deepEqual((await node.ledger.check()).violations, [])
  })

  it('refuses to start on an unreachable database with LedgerUnavailableError', async () => {
    const ledger = new PostgresLedger({}, { nodeId: new Uint8Array(38), connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x` })
    await assert.rejects(ledger.start(), { name: 'LedgerUnavailableError', outcomeUnknown: false })
  })

  it('reads the fleet keys from the config file and the environment', () => {
    const config = loadConfig({ env: { TAU_RELAY_LEDGER_BACKEND: 'postgres', TAU_RELAY_POSTGRES_URL: url }, cwd: '/tmp' })
    assert.equal(config.ledger.backend, 'postgres')
    assert.equal(config.ledger.postgresUrl, url)
    assert.throws(() => loadConfig({ env: { TAU_RELAY_LEDGER_BACKEND: 'postgres' }, cwd: '/tmp' }), { name: 'ConfigError', message: /postgresUrl is required/ })
    assert.throws(() => loadConfig({ env: { TAU_RELAY_LEDGER_BACKEND: 'postgres', TAU_RELAY_POSTGRES_URL: 'mysql://x' }, cwd: '/tmp' }), { name: 'ConfigError', message: /not a postgres:\/\/ URL/ })
  })
})
