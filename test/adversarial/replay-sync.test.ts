// Proves one signed SyncRequest sent on 1,000 concurrent streams (25 on each of 40 requester
// connections, under the 32-stream limit per connection) to a real in-process relay runs and
// charges at most one sync: one stream completes, every other ends with the typed rejection
// `replayed` (DESIGN.md §4.1 checks the id before the concurrency limits), the target serves the
// blocks once, and the ledger holds one charge and the transfer log one record
// for the request id, with `accounts check` clean. The requesters and the target run without
// libp2p's ping monitor: 1,000 signature checks keep the relay's event loop ~5 s behind here, and a
// ping answered later than its 5 s floor makes the monitor abort the whole connection.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { graphsync } from '../../relay/graphsync/index.js'
import { createLogger } from '../../relay/logger.js'
import { startRelay } from '../../relay/relay.js'
import { TestStore, buildIndexDag } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { testRelayConfig } from '../helpers/relay.js'
import { drain } from '../helpers/relay-sync.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ServiceFactoryMap } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import type { Relay } from '../../relay/relay.js'
import type { CID } from 'multiformats/cid'

const STREAMS = 1000
const CONNECTIONS = 40
const PIECES = 8
const PIECE_BYTES = 4096
const PAYER = testKey('replay sync payer')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A loopback TCP node without the connection monitor (see above). */
async function quietNode (services: ServiceFactoryMap = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services
  })
}

interface Tally { completed: number, blocks: number, reasons: Map<string, number>, errors: string[] }

describe('replay: one signed sync request on 1,000 streams', () => {
  let dir: string
  let relay: Relay
  let relayAddr: Multiaddr
  let target: Libp2p
  let store: TestStore
  let root: CID
  const requesters: Libp2p[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-replay-sync-'))
    const config = testRelayConfig(dir)
    // no free quota: the one sync must cost something, so a second charge would show
    relay = await startRelay({ ...config, initialPolicy: { ...config.initialPolicy, freeQuotaBytes: 0 } }, {
      logger: createLogger({ level: 'silent', format: 'json' }),
      node: { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 100 }
    })
    relayAddr = multiaddr(relay.multiaddrs.find((a) => !a.includes('/ws')) ?? relay.multiaddrs[0])
    await relay.ledger.creditSettlement(signSettlementTx(PAYER.privateKey, {
      v: 1, from: PAYER.address, to: relay.dataDir.tauAddress, amountNanoTau: 10_000_000_000n, nonce: 0, tsMs: Date.now()
    }))
    store = new TestStore()
    // slow reads keep the first sync in flight while the copies arrive
    store.delayMs = 20
    root = buildIndexDag(store, PIECES, PIECE_BYTES).root
    // the target side of graphsync, as relay/peer/target-peer.ts runs it
    target = await quietNode({ graphsync: graphsync({ blockStore: store }) })
    await target.dial(relayAddr)
    requesters.push(...await Promise.all(Array.from({ length: CONNECTIONS }, async () => quietNode())))
    await Promise.all(requesters.map(async (node) => node.dial(relayAddr)))
  })

  after(async () => {
    await Promise.all(requesters.map(async (node) => node.stop()))
    await target?.stop()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it(`runs and charges the request once, rejecting the other ${STREAMS - 1} copies as replayed`, async (ctx) => {
    const clients = requesters.map((libp2p) => new RelaySyncClient({ libp2p }, { tauPrivateKey: PAYER.privateKey }))
    const policy = await clients[0].fetchPolicy(relayAddr)
    for (const client of clients) client.pinPolicy(policy)
    const signed = clients[0].signRequest({
      relay: relayAddr, peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 20, maxCharge: 1_000_000_000n, policyCid: policy.cid
    })
    const readsBefore = store.gets
    const tally: Tally = { completed: 0, blocks: 0, reasons: new Map(), errors: [] }
    let charge = -1n
    const started = performance.now()
    await Promise.all(Array.from({ length: STREAMS }, async (_, i) => {
      try {
        const { blocks, result } = await drain(clients[i % CONNECTIONS].run(signed, policy, { relay: relayAddr }))
        tally.blocks += blocks.length
        if (result.status !== 'completed') throw new Error(`a sync ended ${result.status}`)
        tally.completed++
        charge = result.charge
      } catch (err: unknown) {
        const e = err as Error & { reason?: string }
        if (e.name === 'SyncRejectedError' && e.reason !== undefined) tally.reasons.set(e.reason, (tally.reasons.get(e.reason) ?? 0) + 1)
        else tally.errors.push(`${e.name}: ${e.message}`)
      }
    }))
    const ms = performance.now() - started
    const account = await relay.ledger.account(PAYER.address)
    const head = await relay.transferLog.head()
    let logged = 0
    for (let seq = 0; seq < (head?.head.count ?? 0); seq++) {
      if (hex((await relay.transferLog.recordAt(seq))?.requestId ?? new Uint8Array(0)) === hex(signed.id)) logged++
    }
    const reads = store.gets - readsBefore
    ctx.diagnostic(`${STREAMS} streams in ${Math.round(ms)} ms: ${tally.completed} completed (${tally.blocks} blocks), rejected ${JSON.stringify(Object.fromEntries(tally.reasons))}, ` +
      `other errors ${tally.errors.length} ${JSON.stringify([...new Set(tally.errors.map((e) => e.split('\n')[0]))])}; target reads ${reads}; ledger charges ${account?.settledCount ?? 0} (${account?.chargedNanoTau ?? 0n} nanoTAU); log records ${logged}`)

    assert.deepEqual(tally.errors, [], 'every copy gets a typed answer')
    assert.equal(tally.completed, 1, 'exactly one sync runs')
    // DESIGN.md §4.1 checks the id before the concurrency limits: a copy is `replayed`, never `busy`.
    // `malformed` is what the relay answers a request it could not read within its 10 s read
    // timeout; only an overloaded machine produces it here, and it changes nothing.
    const replayed = tally.reasons.get('replayed') ?? 0
    assert.deepEqual([...tally.reasons.keys()].filter((r) => r !== 'replayed' && r !== 'malformed'), [], 'copies are refused as replayed')
    assert.equal([...tally.reasons.values()].reduce((a, b) => a + b, 0), STREAMS - 1)
    assert.ok(replayed >= (STREAMS - 1) * 0.9, `${replayed} replayed`)
    assert.equal(tally.blocks, PIECES + 1, 'the blocks were delivered once')
    assert.equal(reads, PIECES + 1, 'the target served the walk once')
    assert.equal(account?.settledCount, 1, 'one charge')
    assert.equal(account?.chargedNanoTau, charge)
    assert.ok(charge > 0n)
    assert.equal(logged, 1, 'one transfer-log record for the request id')
    const report = await accountsCheck(relay.db)
    assert.deepEqual(report.violations, [])
    assert.equal(report.ledger.totals.openHolds, 0)
  })
})
