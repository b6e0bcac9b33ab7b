/**
 * Proves a real `tau-relay start` process loses nothing to SIGKILL under a paying workload: K
 * times, requesters sync through it from a target and it is killed at a random moment, then
 * restarted on the same data dir; after every restart each receipt a requester got is provable
 * from `/log/proof/:seq` with its charge in the payer's journal, and on the closed database
 * accountsCheck reports no violation, no open hold or pending record, and the log heads chain.
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument } from '../../protocol/policy-document.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { createTestNode } from '../helpers/libp2p.js'
import { adminRequest, childEnv, PAID_TEST_POLICY, startProcess, stopProcess, writeTestRelayConfig } from '../helpers/relay-process.js'
import { checkAcks, checkClosedDataDir } from './crash-checks.js'
import { SOAK, chaosSeed, prng, progress, round, scaled, sleep } from './scale.js'
import type { Ack } from './crash-checks.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'
import type { FetchedPolicy } from '../../relay/client/policy-client.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { TestKey } from '../helpers/ledger.js'
import type { Libp2p } from 'libp2p'

const KILLS = scaled(10, 200)
const REQUESTERS = 3
const CREDIT_NANO_TAU = 1_000_000_000_000n
/** A kill lands this long after the workload starts: during syncs, commits, or between them. */
const KILL_AFTER_MS = { min: 150, max: 1_500 }

describe('crash loop', () => {
  const seed = chaosSeed()
  const random = prng(seed)
  const payers: TestKey[] = Array.from({ length: REQUESTERS }, (_, i) => testKey(`crash loop payer ${i}`))
  const store = new TestStore()
  const { root } = buildIndexDag(store, 16, 64 * 1024, 51)
  let dir: string
  let dataDir: string
  let env: Record<string, string>
  let relay: RunningProcess<RelayStartedLine> | undefined
  let policy: PolicyDocument
  let target: TargetPeer
  const requesters: Array<{ node: Libp2p, client: RelaySyncClient, payer: TestKey }> = []
  let fetched: FetchedPolicy

  async function startRelay (): Promise<RunningProcess<RelayStartedLine>> {
    relay = await startProcess<RelayStartedLine>(['start', '--config', join(dir, 'relay.config.json')], { cwd: dir, env, msg: 'relay started', timeoutMs: 60_000 })
    return relay
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-relay-crash-loop-'))
    dataDir = join(dir, 'data')
    env = childEnv({})
    // no free quota: every sync is a charge
    await writeTestRelayConfig(dir, PAID_TEST_POLICY)
    const running = await startRelay()
    const policyBytes = new Uint8Array(await (await fetch(`${running.line.http}/policy`)).arrayBuffer())
    policy = decodePolicyDocument(policyBytes)
    for (const [i, payer] of payers.entries()) {
      const tx = signSettlementTx(payer.privateKey, { v: 1, from: payer.address, to: policy.relay.tau, amountNanoTau: CREDIT_NANO_TAU, nonce: i + 1, tsMs: Date.now() })
      assert.equal((await adminRequest(dataDir, running.line.http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })).status, 201)
    }
    target = await startTargetPeer({ blockStore: store })
    for (const payer of payers) {
      const node = await createTestNode({ transport: 'tcp' })
      requesters.push({ node, client: new RelaySyncClient({ libp2p: node }, { tauPrivateKey: payer.privateKey }), payer })
    }
    fetched = await requesters[0].client.fetchPolicy(multiaddr(running.line.multiaddrs[0]))
    for (const r of requesters.slice(1)) r.client.pinPolicy(fetched)
  })
  after(async () => {
    await Promise.allSettled([...requesters.map(async (r) => r.node.stop()), target?.stop()])
    if (relay !== undefined && relay.child.exitCode === null && relay.child.signalCode === null) await stopProcess(relay, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  /** Each requester syncs in a loop until `stop`; returns the receipts they got and counts. */
  async function workload (relayAddr: string, stop: AbortSignal): Promise<{ acks: Ack[], started: number, completed: number, interrupted: number }> {
    const acks: Ack[] = []
    const counts = { started: 0, completed: 0, interrupted: 0 }
    await Promise.all(requesters.map(async ({ client, payer }) => {
      while (!stop.aborted) {
        counts.started++
        try {
          const run = client.sync({ relay: multiaddr(relayAddr), peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 24, maxCharge: 1_000_000_000n, policyCid: fetched.cid, signal: stop })
          for await (const block of run) void block
          const result = await run.result
          assert.equal(result.status, 'completed')
          assert.ok(result.receipt !== undefined && result.receiptVerified)
          acks.push({ payer: payer.address, record: result.receipt.record })
          counts.completed++
        } catch {
          // the relay died under this sync (or the loop is stopping): no receipt, nothing to prove
          counts.interrupted++
          await sleep(20)
        }
      }
    }))
    return { acks, ...counts }
  }

  it(`${KILLS} SIGKILLs under load: every acknowledged receipt provable and charged, accounts clean, heads chained`, { timeout: scaled(115_000, 7_200_000) }, async (t) => {
    const allAcks: Ack[] = []
    const totals = { started: 0, completed: 0, interrupted: 0, restartMs: [] as number[], lastRecords: 0, lastHeads: 0 }
    for (let kill = 1; kill <= KILLS; kill++) {
      const running = relay ?? await startRelay()
      await target.node.dial(multiaddr(running.line.multiaddrs[0]))
      const stop = new AbortController()
      const load = workload(running.line.multiaddrs[0], stop.signal)
      await sleep(KILL_AFTER_MS.min + random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min))
      assert.equal((await stopProcess(running, 'SIGKILL')).code, null)
      relay = undefined
      stop.abort()
      const round_ = await load
      allAcks.push(...round_.acks)
      totals.started += round_.started
      totals.completed += round_.completed
      totals.interrupted += round_.interrupted

      // restart on the same data dir: every receipt given so far is provable and charged
      const t0 = Date.now()
      const restarted = await startRelay()
      totals.restartMs.push(Date.now() - t0)
      // the receipts of this round over HTTP (public routes are rate-limited); every older one was
      // proved after its own round, and accountsCheck below finds any record changed since its head
      const failures = await checkAcks(dataDir, restarted.line.http, policy.relay.tau, round_.acks)
      assert.deepEqual(failures.slice(0, 5), [], `kill ${kill} (seed ${seed}): ${failures.length} acknowledged receipts lost`)
      // and on the closed database the books balance and the heads chain
      assert.equal((await stopProcess(restarted, 'SIGTERM')).code, 0)
      relay = undefined
      const check = await checkClosedDataDir(dataDir, policy.relay.tau)
      assert.deepEqual(check.violations, [], `kill ${kill} (seed ${seed})`)
      assert.equal(check.openHolds, 0)
      assert.equal(check.pending, 0)
      assert.ok(check.records >= allAcks.length, `${check.records} records for ${allAcks.length} receipts`)
      totals.lastRecords = check.records
      totals.lastHeads = check.heads
      progress(`crash loop: kill ${kill}, ${allAcks.length} receipts, ${check.records} records, ${check.heads} heads`)
    }
    // a last restart: every receipt of every round is still provable and charged
    const final = await startRelay()
    const lost = await checkAcks(dataDir, final.line.http, policy.relay.tau, allAcks)
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} acknowledged receipts lost (seed ${seed})`)
    assert.equal((await stopProcess(final, 'SIGTERM')).code, 0)
    relay = undefined
    t.diagnostic(JSON.stringify({
      scenario: 'crash_loop',
      soak: SOAK,
      seed,
      kills: KILLS,
      requesters: REQUESTERS,
      syncsStarted: totals.started,
      syncsCompleted: totals.completed,
      syncsInterrupted: totals.interrupted,
      acknowledgedReceipts: allAcks.length,
      lostReceipts: 0,
      logRecords: totals.lastRecords,
      logHeads: totals.lastHeads,
      violations: 0,
      restartMsMedian: round([...totals.restartMs].sort((a, b) => a - b)[Math.floor(totals.restartMs.length / 2)]),
      restartMsMax: Math.max(...totals.restartMs)
    }))
    assert.ok(allAcks.length > 0, 'the workload got receipts')
  })
})
