/**
 * Test helper for graphsync: deterministic DAGs in a memory store, the walk order a selector
 * gives locally, a connected requester/responder pair of real libp2p nodes, and checks for
 * leaked graphsync streams and unhandled rejections.
 */
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { decodeBlock, RAW_CODE, DAG_CBOR_CODE } from '../../protocol/block.js'
import { GRAPHSYNC_PROTOCOL_V2 } from '../../protocol/graphsync/constants.js'
import { sha256 } from '../../protocol/hashes.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import { graphsync } from '../../relay/graphsync/index.js'
import { createTestNode } from './libp2p.js'
import type { GraphsyncInit, GraphsyncService } from '../../relay/graphsync/index.js'
import type { Libp2p } from 'libp2p'

/** A block store in memory that also counts reads. */
export class TestStore {
  readonly blocks = new Map<string, Uint8Array>()
  gets = 0
  /** Delay of each read, to make concurrent walks overlap. */
  delayMs = 0

  async get (cid: CID): Promise<Uint8Array | undefined> {
    this.gets++
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    return this.blocks.get(cid.toString())
  }

  put (cid: CID, bytes: Uint8Array): void {
    this.blocks.set(cid.toString(), bytes)
  }

  delete (cid: CID): void {
    this.blocks.delete(cid.toString())
  }
}

/** Deterministic pseudo-random bytes, different per seed: a 4 KiB xorshift pattern, tiled. */
export function pseudoRandomBytes (size: number, seed: number): Uint8Array {
  const tile = new Uint8Array(Math.min(size, 4096))
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < tile.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    tile[i] = x & 0xff
  }
  const out = new Uint8Array(size)
  for (let offset = 0; offset < size; offset += tile.length) out.set(tile.subarray(0, Math.min(tile.length, size - offset)), offset)
  return out
}

/** Stores a raw block and returns its CID. */
export function putRaw (store: TestStore, bytes: Uint8Array): CID {
  const cid = CID.createV1(RAW_CODE, sha256.digest(bytes))
  store.put(cid, bytes)
  return cid
}

/** Stores a dag-cbor block and returns its CID. */
export function putCbor (store: TestStore, value: unknown): CID {
  const bytes = dagCbor.encode(value)
  const cid = CID.createV1(DAG_CBOR_CODE, sha256.digest(bytes))
  store.put(cid, bytes)
  return cid
}

/** A dag-cbor index `{pieces: [link…]}` over `count` raw pieces of `pieceBytes` each. */
export function buildIndexDag (store: TestStore, count: number, pieceBytes: number, seed = 1): { root: CID, pieces: CID[] } {
  const pieces = Array.from({ length: count }, (_, i) => putRaw(store, pseudoRandomBytes(pieceBytes, seed * 1000 + i)))
  return { root: putCbor(store, { name: `index-${seed}`, pieces }), pieces }
}

/** A 3-level dag-cbor tree: root → 3 branches → 4 leaves each, plus one leaf linked twice. */
export function buildTree (store: TestStore): { root: CID, shared: CID } {
  const shared = putCbor(store, { leaf: 'shared', data: pseudoRandomBytes(1000, 99) })
  const branches = Array.from({ length: 3 }, (_, b) => {
    const leaves = Array.from({ length: 4 }, (_, l) => putCbor(store, { leaf: `${b}.${l}`, data: pseudoRandomBytes(2000, b * 10 + l) }))
    return putCbor(store, { branch: b, children: b === 2 ? [...leaves, shared] : leaves })
  })
  return { root: putCbor(store, { name: 'tree', children: branches, extra: shared }), shared }
}

/** ExploreRecursive with a depth limit over ExploreAll (go-ipld-prime's ExploreAllRecursively, bounded). */
export function exploreAll (depth = 10): unknown {
  return { R: { l: { depth }, ':>': { a: { '>': { '@': {} } } } } }
}

/** The CIDs a selector walk loads from `store`, in order, each once (what a responder sends). */
export async function expectedOrder (store: TestStore, root: CID, selector: unknown): Promise<CID[]> {
  const order: CID[] = []
  const seen = new Set<string>()
  const load = async (cid: CID): Promise<unknown> => {
    const bytes = store.blocks.get(cid.toString())
    if (bytes === undefined) return null
    if (!seen.has(cid.toString())) order.push(cid)
    seen.add(cid.toString())
    return decodeBlock(cid, bytes)
  }
  for await (const visit of walkSelector(root, selector as never, { load })) void visit
  return order
}

/** A libp2p node with the graphsync service. */
export type GraphsyncNode = Libp2p<{ graphsync: GraphsyncService }>

/** Starts a node with graphsync serving `store`. */
export async function createGraphsyncNode (init: GraphsyncInit = {}): Promise<GraphsyncNode> {
  const node = await createTestNode<{ graphsync: GraphsyncService }>({ transport: 'tcp', services: { graphsync: graphsync(init) } })
  return node as unknown as GraphsyncNode
}

/** Graphsync streams still open on `node`'s connections. */
export function openGraphsyncStreams (node: Libp2p): number {
  return node.getConnections().flatMap((connection) => connection.streams).filter((stream) => stream.protocol === GRAPHSYNC_PROTOCOL_V2).length
}

/** Polls until `condition()` holds or fails the test after `timeoutMs`. */
export async function waitFor (condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Asserts no graphsync stream stays open on any of `nodes` (closing takes a few ticks). */
export async function assertNoLeakedStreams (...nodes: Libp2p[]): Promise<void> {
  await waitFor(() => nodes.every((node) => openGraphsyncStreams(node) === 0), 3000, 'graphsync streams to close')
}

/** Records unhandled rejections from now on; `check()` fails if any happened. */
export function trackUnhandledRejections (): { check: () => void, stop: () => void } {
  const seen: unknown[] = []
  const listener = (reason: unknown): void => { seen.push(reason) }
  process.on('unhandledRejection', listener)
  return {
    check: () => { assert.deepEqual(seen, [], 'no unhandled rejections') },
    stop: () => { process.off('unhandledRejection', listener) }
  }
}

/** Collects a run's blocks. */
export async function collect (run: AsyncIterable<{ cid: CID, bytes: Uint8Array }>): Promise<Array<{ cid: CID, bytes: Uint8Array }>> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  for await (const block of run) blocks.push(block)
  return blocks
}
