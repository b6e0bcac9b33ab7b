/**
 * Proves floods are refused at the relay's caps while honest work goes on: one peer opening
 * thousands of relay-sync streams on one connection gets at most the registrar's 32 at a time,
 * one IP opening hundreds of connections gets at most libp2p's 10 pending upgrades at a time
 * (5 new connections/s per IP), and an honest peer's sync latency during both floods stays near
 * its quiet baseline measured first (p99 within 2× in soak; a generous bound in CI).
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { equals } from 'multiformats/bytes'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { DEFAULT_INBOUND_CONNECTION_THRESHOLD, DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS } from '../../relay/node-defaults.js'
import { DEFAULT_MAX_INBOUND_SYNC_STREAMS } from '../../relay/relay-sync/constants.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag, expectedOrder } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { createTestNode } from '../helpers/libp2p.js'
import { drain } from '../helpers/relay-sync.js'
import { ChaosRelay } from './chaos-relay.js'
import { SOAK, progress, quantile, round, scaled, until } from './scale.js'
import type { FloodInit, FloodReport } from './flood-child.js'
import type { FetchedPolicy } from '../../relay/client/policy-client.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

const STREAMS = scaled(2_000, 10_000)
const CONNECTIONS = scaled(300, 1_000)
/** Honest syncs in the quiet baseline, and at least as many during the floods. */
const SAMPLES = scaled(15, 40)
/** p99 during the floods over the quiet p99: the 2× in soak; CI shares 2 loaded cores with both flooders. */
const MAX_LATENCY_RATIO = scaled(6, 2)
const FLOOD_CHILD = fileURLToPath(new URL('./flood-child.js', import.meta.url))

/** Runs a flooder; resolves `started` once it floods and `report` when it is done. */
function flood (init: FloodInit): { started: Promise<void>, report: Promise<FloodReport> } {
  const child = spawn(process.execPath, [FLOOD_CHILD, JSON.stringify(init)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  let started!: () => void
  const startedP = new Promise<void>((resolve) => { started = resolve })
  const report = new Promise<FloodReport>((resolve, reject) => {
    lines.on('line', (line) => {
      const json = JSON.parse(line) as FloodReport | { started: true }
      if ('started' in json) started()
      else resolve(json)
    })
    child.once('exit', (code) => { reject(new Error(`flooder ${init.mode} exited ${String(code)} without a report`)) })
  })
  return { started: Promise.race([startedP, report.then(() => {})]), report }
}

describe('floods', () => {
  const relay = new ChaosRelay({})
  const store = new TestStore()
  const { root } = buildIndexDag(store, 8, 64 * 1024, 31)
  let order: Array<{ cid: CID, bytes: Uint8Array }>
  let target: TargetPeer
  let requester: Libp2p
  let client: RelaySyncClient
  let policy: FetchedPolicy
  let addr: string

  before(async () => {
    addr = (await relay.ready).addr
    order = (await expectedOrder(store, root, { R: { l: { depth: 100 }, ':>': { a: { '>': { '@': {} } } } } })).map((cid) => ({ cid, bytes: store.blocks.get(cid.toString()) as Uint8Array }))
    target = await startTargetPeer({ blockStore: store })
    await target.node.dial(multiaddr(addr))
    requester = await createTestNode({ transport: 'tcp' })
    client = new RelaySyncClient({ libp2p: requester }, { tauPrivateKey: testKey('flood honest payer').privateKey })
    policy = await client.fetchPolicy(multiaddr(addr))
  })
  after(async () => {
    await requester?.stop()
    await target?.stop()
    await relay.stop()
  })

  /** One honest sync, checked byte-exact; its duration in ms. */
  async function honestSync (): Promise<number> {
    const t0 = performance.now()
    const { blocks, result } = await drain(client.sync({ relay: multiaddr(addr), peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 24, maxCharge: 0n, policyCid: policy.cid }))
    const ms = performance.now() - t0
    assert.equal(result.status, 'completed')
    assert.equal(blocks.length, order.length)
    blocks.forEach((b, i) => { assert.ok(equals(b.bytes, order[i].bytes), `block ${i}`) })
    return ms
  }

  it(`${STREAMS} streams from one peer and ${CONNECTIONS} connections from one IP are refused at the caps; honest p99 holds`, { timeout: scaled(100_000, 1_800_000) }, async (t) => {
    await honestSync() // warm-up: first-use costs are not the baseline
    const quiet: number[] = []
    for (let i = 0; i < SAMPLES; i++) quiet.push(await honestSync())
    progress('floods: quiet p99', quantile(quiet, 0.99))

    // the stream flooder connects first: the connection flood exhausts this IP's connection rate
    const streams = flood({ mode: 'streams', addr, count: STREAMS, concurrency: 64 })
    await streams.started
    progress('floods: stream flood started')
    const connections = flood({ mode: 'connections', addr, count: CONNECTIONS, concurrency: 50 })
    await connections.started
    progress('floods: connection flood started')
    const loud: number[] = []
    const flooding = { done: false }
    const reports = Promise.all([streams.report, connections.report]).finally(() => { flooding.done = true })
    while (!flooding.done || loud.length < SAMPLES) {
      loud.push(await honestSync())
      progress('floods: honest sync', loud.length, round(loud[loud.length - 1]), 'ms')
    }
    const [streamReport, connectionReport] = await reports

    // the flood's leftovers go away: only the honest peers' connections remain, no sync is stuck
    const settleMs = await until(async () => (await relay.stats()).connections <= 3, 30_000, 250)
    const settled = await relay.stats()
    const ratio = quantile(loud, 0.99) / quantile(quiet, 0.99)
    t.diagnostic(JSON.stringify({
      scenario: 'floods',
      soak: SOAK,
      quietSyncs: quiet.length,
      quietP50Ms: round(quantile(quiet, 0.5)),
      quietP99Ms: round(quantile(quiet, 0.99)),
      floodSyncs: loud.length,
      floodP50Ms: round(quantile(loud, 0.5)),
      floodP99Ms: round(quantile(loud, 0.99)),
      p99Ratio: round(ratio, 2),
      streams: { ...streamReport, seconds: round(streamReport.seconds) },
      connections: { ...connectionReport, seconds: round(connectionReport.seconds) },
      relayConnectionsAfter: settled.connections,
      settleMs
    }))

    assert.equal(streamReport.attempts, STREAMS)
    assert.ok(streamReport.maxOpenAccepted <= DEFAULT_MAX_INBOUND_SYNC_STREAMS, `${streamReport.maxOpenAccepted} relay-sync streams open at once`)
    assert.ok(streamReport.refused >= STREAMS - streamReport.accepted && streamReport.refused > 0, 'the excess streams are refused')
    assert.equal(connectionReport.attempts, CONNECTIONS)
    assert.ok(connectionReport.maxOpenAccepted <= DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS, `${connectionReport.maxOpenAccepted} flood connections pending at once`)
    // the per-IP rate: a token bucket of 5 per 1 s window, plus the window the flood started in
    const rateBound = DEFAULT_INBOUND_CONNECTION_THRESHOLD * (Math.ceil(connectionReport.seconds) + 1)
    assert.ok(connectionReport.accepted <= rateBound, `${connectionReport.accepted} flood connections accepted in ${round(connectionReport.seconds)} s`)
    assert.ok(settleMs >= 0, `${settled.connections} relay connections after the floods`)
    assert.equal(settled.activeSyncs, 0)
    assert.ok(ratio <= MAX_LATENCY_RATIO, `honest p99 rose ${round(ratio, 2)}× during the floods`)
  })
})
