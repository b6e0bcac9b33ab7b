// Proves our graphsync v2 works with an independent implementation, @dcdn/graphsync 0.2.5 on
// libp2p 0.40, run as a child process and reached over TCP + noise + yamux: our requester fetches
// multi-block DAGs from it byte for byte in walk order, and its requester fetches them from our
// responder. It also pins down where dcdn differs from go-graphsync. It sends nothing for a
// missing root, a missing child or a selector it cannot parse. It has no union or range
// selectors. It sends a block's bytes again each time the walk reaches it. In each case our side
// stays spec-correct and ends with a typed result, never a hang.
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeBlock } from '../../protocol/block.js'
import { GRAPHSYNC_PROTOCOL_V2 } from '../../protocol/graphsync/constants.js'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import {
  TestStore, buildIndexDag, buildTree, collect, createGraphsyncNode, expectedOrder, exploreAll, putCbor,
  trackUnhandledRejections, waitFor
} from '../helpers/graphsync.js'
import { DcdnPeer, sha256Hex, writeCar } from './dcdn-peer-process.js'
import type { GraphsyncNode } from '../helpers/graphsync.js'
import type { GraphsyncRequestRun } from '../../relay/graphsync/index.js'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const PIECE_BYTES = 256 * 1024
/** Silence after which our requester gives up: dcdn sends no final status when it fails. */
const IDLE_TIMEOUT_MS = 1500
/** dcdn's requester ignores error statuses and waits forever; its fetch command gives up after this. */
const DCDN_GIVE_UP_MS = 2000
/** Root, branch 1 and its 4 leaves of `buildTree`: ExploreFields and ExploreIndex, which dcdn has. */
const PARTIAL = { f: { 'f>': { children: { i: { i: 1, '>': { f: { 'f>': { children: { a: { '>': { '.': {} } } } } } } } } } } }

describe('graphsync interop with @dcdn/graphsync 0.2.5 on libp2p 0.40', { timeout: 30_000 }, () => {
  const store = new TestStore()
  const index = buildIndexDag(store, 8, PIECE_BYTES)
  const tree = buildTree(store)
  const absent = putCbor(new TestStore(), { absent: 'stored nowhere' })
  // only dcdn holds this DAG, without its second piece: 300 KiB pieces fill one 256 KiB message each
  const gappyStore = new TestStore()
  const gappy = buildIndexDag(gappyStore, 3, 300 * 1024, 5)
  const unhandled = trackUnhandledRejections()
  let dir: string | undefined
  let peer: DcdnPeer | undefined
  let dcdn: PeerId
  let ours: GraphsyncNode
  let ourAddress: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-relay-dcdn-'))
    const car = join(dir, 'blocks.car')
    const served = new Map([...store.blocks, ...gappyStore.blocks])
    served.delete(gappy.pieces[1].toString())
    await writeCar(car, [index.root, tree.root, gappy.root], served)
    peer = await DcdnPeer.start(car)
    dcdn = peerIdFromString(peer.peerId)
    ours = await createGraphsyncNode({ blockStore: store })
    ourAddress = ours.getMultiaddrs()[0].toString()
    await ours.dial(multiaddr(peer.multiaddrs[0]))
  })

  after(async () => {
    await peer?.stop()
    await ours?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    unhandled.stop()
    unhandled.check()
    if (peer !== undefined) assert.deepEqual(peer.strayErrors(), [], 'the dcdn peer reported no stray errors')
  })

  const fromDcdn = (root: CID, selector: unknown): GraphsyncRequestRun =>
    ours.services.graphsync.request(dcdn, root, selector, { timeoutMs: 10_000, idleTimeoutMs: IDLE_TIMEOUT_MS })

  /** Every link the walk loads, in order, repeats included (a responder that never dedups sends these). */
  const visitOrder = async (root: CID, selector: unknown): Promise<string[]> => {
    const order: string[] = []
    const load = async (cid: CID): Promise<unknown> => {
      order.push(cid.toString())
      const bytes = store.blocks.get(cid.toString())
      return bytes === undefined ? null : decodeBlock(cid, bytes)
    }
    for await (const visit of walkSelector(root, selector as never, { load })) void visit
    return order
  }

  const assertSameBytes = (blocks: Array<{ cid: CID, bytes: Uint8Array }>): void => {
    for (const { cid, bytes } of blocks) assert.equal(Buffer.compare(bytes, store.blocks.get(cid.toString()) as Uint8Array), 0, cid.toString())
  }

  it('negotiates noise, yamux and identify with libp2p 0.40: we learn it speaks graphsync v2', async () => {
    let protocols: string[] = []
    const timer = setInterval(() => { void ours.peerStore.get(dcdn).then((p) => { protocols = p.protocols }, () => {}) }, 20)
    try {
      await waitFor(() => protocols.includes(GRAPHSYNC_PROTOCOL_V2), 5000, `identify of dcdn to list ${GRAPHSYNC_PROTOCOL_V2}`)
    } finally {
      clearInterval(timer)
    }
    assert.equal(ours.getConnections(dcdn)[0].multiplexer, '/yamux/1.0.0')
    assert.equal(ours.getConnections(dcdn)[0].encryption, '/noise')
  })

  it('our requester fetches an index of 8 raw 256 KiB pieces from dcdn, byte for byte, in walk order', async () => {
    const run = fromDcdn(index.root, exploreAll())
    const blocks = await collect(run)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), [index.root, ...index.pieces].map(String))
    assertSameBytes(blocks)
    const result = await run.result
    assert.deepEqual(result, { status: GraphsyncStatus.RequestCompletedFull, blocks: 9, bytes: blocks.reduce((n, b) => n + b.bytes.byteLength, 0), missing: 0 })
  })

  it('our requester fetches a 3-level tree from dcdn; dcdn re-sends the shared leaf, which we verify and deliver again', async () => {
    const run = fromDcdn(tree.root, exploreAll())
    const blocks = await collect(run)
    const visits = await visitOrder(tree.root, exploreAll())
    const unique = (await expectedOrder(store, tree.root, exploreAll())).map(String)
    // go-graphsync sends the second visit as metadata `d` without bytes; dcdn sends `p` with the bytes again
    assert.equal(visits.length, unique.length + 1, 'the walk reaches the shared leaf twice')
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), visits)
    assertSameBytes(blocks)
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
  })

  it('our requester fetches an ExploreFields/ExploreIndex selection from dcdn', async () => {
    const run = fromDcdn(tree.root, PARTIAL)
    const blocks = await collect(run)
    const expected = (await expectedOrder(store, tree.root, PARTIAL)).map(String)
    assert.equal(expected.length, 6)
    assert.deepEqual(blocks.map(({ cid }) => cid.toString()), expected)
    assert.equal((await run.result).status, GraphsyncStatus.RequestCompletedFull)
  })

  it('dcdn fetches the index and the tree from our responder: every block, hash-checked, in walk order', async () => {
    for (const root of [index.root, tree.root]) {
      const got = await peer!.fetch(ourAddress, root, exploreAll(), 10_000)
      assert.equal(got.error, undefined)
      // dcdn's walk reports each visit; our responder sent the shared leaf once and `d` for the revisit
      assert.deepEqual(got.blocks.map(({ cid }) => cid), await visitOrder(root, exploreAll()))
      for (const { cid, sha256 } of got.blocks) assert.equal(sha256, sha256Hex(store.blocks.get(cid) as Uint8Array))
      assert.equal(got.statuses.at(-1), GraphsyncStatus.RequestCompletedFull)
    }
  })

  it('dcdn fetches an ExploreFields/ExploreIndex selection from our responder', async () => {
    const got = await peer!.fetch(ourAddress, tree.root, PARTIAL, 10_000)
    assert.equal(got.error, undefined)
    assert.deepEqual(got.blocks.map(({ cid }) => cid), (await expectedOrder(store, tree.root, PARTIAL)).map(String))
  })

  it('deviation: dcdn sends nothing for a missing root (go-graphsync sends 34); our requester ends with an idle timeout', async () => {
    const started = Date.now()
    const run = fromDcdn(absent, exploreAll())
    await assert.rejects(collect(run), { name: 'GraphsyncTimeoutError', timeout: 'idle' })
    await assert.rejects(run.result, { name: 'GraphsyncTimeoutError' })
    assert.ok(Date.now() - started < IDLE_TIMEOUT_MS * 3, 'ended by the idle timer, not the request timer')
    assert.equal(ours.services.graphsync.requestsInFlight, 0)
  })

  it('deviation: dcdn stops silently at a missing child (go-graphsync sends `m` and 21); we keep what arrived, then time out', async () => {
    const run = fromDcdn(gappy.root, exploreAll())
    const blocks: string[] = []
    await assert.rejects(async () => { for await (const { cid } of run) blocks.push(cid.toString()) }, { name: 'GraphsyncTimeoutError', timeout: 'idle' })
    assert.deepEqual(blocks, [gappy.root, gappy.pieces[0]].map(String), 'the message flushed before the gap')
  })

  it('deviation: dcdn cannot parse union or range selectors and sends nothing; we send them as valid and time out', async () => {
    const union = { '|': [{ '.': {} }, exploreAll()] }
    const range = { f: { 'f>': { pieces: { r: { '^': 1, $: 3, '>': { '.': {} } } } } } }
    // both are valid for us: our walk (the one our responder runs) selects the root and pieces 1 and 2
    assert.equal((await expectedOrder(store, index.root, union)).length, 9)
    assert.deepEqual(await expectedOrder(store, index.root, range), [index.root, ...index.pieces.slice(1, 3)])
    const runs = [fromDcdn(index.root, union), fromDcdn(index.root, range)]
    for (const run of runs) await assert.rejects(collect(run), { name: 'GraphsyncTimeoutError', timeout: 'idle' })
  })

  it('deviation: dcdn\'s requester ignores our 34 for a missing root and waits until it gives up', async () => {
    const got = await peer!.fetch(ourAddress, absent, exploreAll(), DCDN_GIVE_UP_MS)
    assert.deepEqual(got.blocks, [])
    assert.deepEqual(got.statuses, [GraphsyncStatus.RequestFailedContentNotFound], 'our responder answered 34, once')
    assert.match(got.error ?? '', /no complete answer/)
  })

  it('deviation: dcdn\'s requester rejects a union selector locally and sends no request', async () => {
    const before = ours.services.graphsync.responderStats(dcdn).blocksSent
    const got = await peer!.fetch(ourAddress, index.root, { '|': [{ '.': {} }, exploreAll()] }, DCDN_GIVE_UP_MS)
    assert.match(got.error ?? '', /unknown selector/)
    assert.deepEqual(got.statuses, [])
    assert.equal(ours.services.graphsync.responderStats(dcdn).blocksSent, before)
  })
})
