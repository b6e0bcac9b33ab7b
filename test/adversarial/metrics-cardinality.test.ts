/**
 * Proves the relay's /metrics stays bounded no matter how many peers and payers it meets: a real
 * in-process relay serves a few real syncs, then 10,000 distinct peer ids and payer addresses send
 * refused sync requests and foreign peer bindings over a few connections, and the series count
 * stays ≤ 500 and identical after 100 and after 10,000 of them.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { loadConfig } from '../../relay/config.js'
import { createLogger } from '../../relay/logger.js'
import { makeBinding, publishBinding } from '../../relay/peer/identity-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { startRelay } from '../../relay/relay.js'
import { testKey } from '../helpers/ledger.js'
import { createTestNode } from '../helpers/libp2p.js'
import { buildAttachment, drain } from '../helpers/relay-sync.js'
import { kindOf, makeActor, runPool, sendBinding, sendRequest } from './cardinality-actors.js'
import type { ActorContext } from './cardinality-actors.js'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { Relay } from '../../relay/relay.js'

const ACTORS = 10_000
const FIRST = 100
const MAX_SERIES = 500
/** Connections the actors share; identity allows 2 inbound streams per connection, so 2 workers each. */
const SENDERS = 6

/**
 * Series that appear with time, not with peers: GC kinds other than minor show up at the first
 * major or incremental collection, and ping series at the relay's first ping (every 60 s). Each
 * is a fixed label set.
 */
const TIME_DRIVEN = [
  /^nodejs_gc_duration_seconds_(bucket|sum|count)\{.*kind="(major|incremental|weakcb)"/,
  /^libp2p_connection_monitor_ping_time_milliseconds\{/,
  /^libp2p_data_transfer_bytes_total\{protocol="\/ipfs\/ping\/1\.0\.0 (sent|received)"\}$/
]

/** A label value naming a peer (base58 Ed25519/RSA peer id) or a TAU address (`T…`). */
const IDENTITY_LABEL = /="(12D3Koo[1-9A-HJ-NP-Za-km-z]+|Qm[1-9A-HJ-NP-Za-km-z]{44}|T[1-9A-HJ-NP-Za-km-z]{25,})"/

/** The series of a Prometheus text exposition: every sample line, without its value. */
function seriesOf (text: string): Set<string> {
  const series = new Set<string>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    series.add(line.slice(0, line.lastIndexOf(' ')))
  }
  return series
}

describe('metrics cardinality under 10,000 distinct peers and payers', () => {
  let dir: string
  let relay: Relay
  let relayAddr: Multiaddr
  let target: TargetPeer
  const nodes: Libp2p[] = []
  const connections: Connection[] = []
  let ctx: ActorContext

  const scrape = async (): Promise<Set<string>> => {
    const { host, port } = relay.httpAddress ?? assert.fail('no HTTP')
    const res = await fetch(`http://${host}:${port}/metrics`)
    assert.equal(res.status, 200)
    return seriesOf(await res.text())
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-cardinality-'))
    // no free quota: a payer without balance is refused at the hold, before any target dial
    await writeFile(join(dir, 'relay.config.json'), JSON.stringify({ initialPolicy: { freeQuotaBytes: 0 } }))
    const env = { TAU_RELAY_DATA_DIR: join(dir, 'data'), TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0', TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0', TAU_RELAY_LOG_LEVEL: 'silent' }
    const config = loadConfig({ file: join(dir, 'relay.config.json'), env, cwd: dir })
    relay = await startRelay(config, { logger: createLogger({ level: 'silent', format: 'json' }), node: { inboundConnectionThreshold: 1000 } })
    relayAddr = multiaddr(relay.multiaddrs.find((a) => !a.includes('/ws')) ?? relay.multiaddrs[0])

    // a target holding a small attachment, bound to its TAU address over its own connection
    const store = new MemoryBlockStore()
    const { root } = await buildAttachment(store, 3, 4096)
    const targetKey = await generateKeyPair('Ed25519')
    target = await startTargetPeer({ blockStore: store, privateKey: targetKey })
    await target.node.dial(relayAddr)
    await publishBinding(target.node, relayAddr, await makeBinding(testKey('cardinality target').privateKey, targetKey, Date.now()))

    // a handful of real clients, funded, each syncing the attachment
    let replayedId: Uint8Array | undefined
    for (let n = 0; n < 3; n++) {
      const payer = testKey(`cardinality client ${n}`)
      await relay.ledger.creditSettlement(signSettlementTx(payer.privateKey, {
        v: 1, from: payer.address, to: relay.dataDir.tauAddress, amountNanoTau: 10_000_000_000n, nonce: 1, tsMs: Date.now()
      }))
      const node = await createTestNode({ transport: 'tcp' })
      nodes.push(node)
      const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey: payer.privateKey })
      const policy = await client.fetchPolicy(relayAddr)
      const run = client.sync({ relay: relayAddr, peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 20, maxCharge: 1_000_000_000n, policyCid: policy.cid })
      const { result } = await drain(run)
      assert.equal(result.status, 'completed')
      replayedId ??= run.requestId
      ctx = { policyCid: policy.cid, replayedId, nowMs: Date.now() }
    }
    for (let n = 0; n < SENDERS; n++) {
      const node = await createTestNode({ transport: 'tcp' })
      nodes.push(node)
      connections.push(await node.dial(relayAddr))
    }
  })

  after(async () => {
    for (const node of nodes) await node.stop()
    await target?.stop()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const exercise = async (from: number, to: number): Promise<Record<string, number>> => {
    ctx.nowMs = Date.now()
    return runPool(from, to, 2 * SENDERS, async (i, worker) => {
      const kind = kindOf(i)
      const actor = await makeActor(i, kind, ctx)
      const connection = connections[worker % SENDERS]
      // even actors send a sync request, odd ones a binding: each a new peer id and payer address
      if (i % 2 === 1) return [`binding ${await sendBinding(connection, actor.binding)}`]
      const answer = await sendRequest(connection, actor.request)
      return [answer === `rejected:${kind}` ? `refused as ${kind}` : `unexpected ${answer} for ${kind}`]
    })
  }

  it('keeps the series count bounded and flat from 100 to 10,000 distinct peers', async (t) => {
    const started = Date.now()
    const first = await exercise(0, FIRST)
    const early = await scrape()
    const rest = await exercise(FIRST, ACTORS)
    const late = await scrape()
    const tally: Record<string, number> = { ...first }
    for (const [k, v] of Object.entries(rest)) tally[k] = (tally[k] ?? 0) + v
    t.diagnostic(JSON.stringify({
      actors: ACTORS, seriesAfter100: early.size, seriesAfter10000: late.size, timeDriven: [...late].filter((s) => !early.has(s)).length, tally, elapsedMs: Date.now() - started
    }))

    assert.equal(tally['binding peer_mismatch'], ACTORS / 2, 'every foreign binding refused as peer_mismatch')
    assert.deepEqual(Object.keys(tally).filter((k) => k.startsWith('unexpected')), [])
    for (const kind of ['bad_signature', 'expired', 'unknown_policy', 'insufficient_funds', 'replayed']) assert.ok(tally[`refused as ${kind}`] > 0, kind)
    assert.ok(late.size <= MAX_SERIES, `${late.size} series`)
    const grown = [...late].filter((s) => !early.has(s))
    assert.deepEqual(grown.filter((s) => !TIME_DRIVEN.some((re) => re.test(s))), [], 'no series appeared with the peers')
    assert.deepEqual([...late].filter((s) => IDENTITY_LABEL.test(s)), [], 'no label names a peer or an address')
  })
})
