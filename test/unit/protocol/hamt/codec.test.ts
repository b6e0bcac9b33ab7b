// Proves the strict reader: every malformed node of DESIGN.md §5.4 is a MalformedHamtNodeError
// naming the block and the reason, at the root on load and at a child when a lookup first reaches
// it; bitfields with leading zeros are read but never written; encoding equals @ipld/dag-cbor's.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { bitfieldOf } from '../../../../protocol/hamt/codec.js'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../../../protocol/hamt/memory-block-store.js'
import { bytes, putBytes, putNode, seqKey } from './hamt-helpers.js'

const k = (text: string): Uint8Array => bytes(text)
const bits = (...indexes: number[]): Uint8Array => bitfieldOf(Array.from({ length: 32 }, (_, i) => indexes.includes(i) ? [] : undefined))

async function rejectsRoot (data: unknown, reason: string): Promise<void> {
  const store = new MemoryBlockStore()
  const cid = await putNode(store, data)
  await assert.rejects(Hamt.load(store, cid), { name: 'MalformedHamtNodeError', reason, cid: cid.toString() })
}

describe('strict reader: malformed roots', () => {
  it('not a node', async () => {
    await rejectsRoot([new Uint8Array(0)], 'not_a_node')
    await rejectsRoot({ bitfield: new Uint8Array(0), pointers: [] }, 'not_a_node')
    await rejectsRoot([new Uint8Array(0), 'x'], 'not_a_node')
    await rejectsRoot(['x', []], 'bitfield_not_bytes')
  })

  it('bitfield and pointers disagree, or a bit beyond 2^bitWidth is set', async () => {
    await rejectsRoot([bits(1, 2), [[[k('a'), 1]]]], 'bitfield_pointer_mismatch')
    await rejectsRoot([new Uint8Array(0), [[[k('a'), 1]]]], 'bitfield_pointer_mismatch')
    await rejectsRoot([new Uint8Array([1, 0, 0, 0, 0]), [[[k('a'), 1]]]], 'bitfield_out_of_range')
  })

  it('pointers that are neither a link nor a bucket, and links to non-dag-cbor blocks', async () => {
    await rejectsRoot([bits(0), [7]], 'malformed_pointer')
    await rejectsRoot([bits(0), [{ 0: 1 }]], 'malformed_pointer')
    const raw = CID.createV1(0x55, await sha256.digest(k('x')))
    await rejectsRoot([bits(0), [raw]], 'link_not_dag_cbor')
    const v0 = CID.createV0(await sha256.digest(k('x')))
    await rejectsRoot([bits(0), [v0]], 'link_not_dag_cbor')
  })

  it('empty, oversized, unsorted buckets, duplicate keys and malformed entries', async () => {
    await rejectsRoot([bits(0), [[]]], 'empty_bucket')
    await rejectsRoot([bits(0), [[[k('a'), 1], [k('b'), 1], [k('c'), 1], [k('d'), 1]]]], 'oversized_bucket')
    await rejectsRoot([bits(0), [[[k('b'), 1], [k('a'), 1]]]], 'unsorted_bucket')
    await rejectsRoot([bits(0), [[[k('a'), 1], [k('a'), 2]]]], 'duplicate_key')
    await rejectsRoot([bits(0), [[[k('a')]]]], 'malformed_entry')
    await rejectsRoot([bits(0), [[['a', 1]]]], 'malformed_entry')
  })

  it('blocks that are not DAG-CBOR, or not valid DAG-CBOR', async () => {
    const store = new MemoryBlockStore()
    const json = await putBytes(store, k('[]'), 0x0129)
    await assert.rejects(Hamt.load(store, json), { name: 'MalformedHamtNodeError', reason: 'not_dag_cbor' })
    const junk = await putBytes(store, new Uint8Array([0x82, 0x40, 0x9f, 0xff])) // indefinite-length array
    await assert.rejects(Hamt.load(store, junk), { name: 'MalformedHamtNodeError', reason: 'invalid_dag_cbor' })
  })

  it('bytes that do not hash to their CID', async () => {
    const store = new MemoryBlockStore()
    const cid = await putNode(store, [new Uint8Array(0), []])
    await store.put(cid, new Uint8Array([0x82, 0x41, 0x01, 0x80]))
    await assert.rejects(Hamt.load(store, cid), { name: 'BlockHashMismatchError' })
  })

  it('accepts leading zero bytes in a bitfield (Go does) and writes them without', async () => {
    const store = new MemoryBlockStore()
    const padded = await putNode(store, [new Uint8Array([0, 0, 0, 1]), [[[k('a'), 'v']]]])
    const hamt = await Hamt.load(store, padded, { hashAlg: 'identity' })
    assert.equal(await hamt.get(k('a')), undefined) // 'a' does not index slot 0 …
    await hamt.set(k('b'), 'w') // … but the node reads, and a rewrite is canonical
    const bitfield = (dagCbor.decode(await store.get(await hamt.flush()) as Uint8Array) as [Uint8Array])[0]
    assert.notEqual(bitfield[0], 0)
  })
})

describe('strict reader: malformed children, found when a lookup first reaches them', () => {
  async function rootOver (child: unknown): Promise<{ store: MemoryBlockStore, root: CID }> {
    const store = new MemoryBlockStore()
    const childCid = await putNode(store, child)
    // identity hash, bitWidth 5: keys starting with byte 0x00 go to slot 0
    const root = await putNode(store, [bits(0, 31), [childCid, [[new Uint8Array([0xff]), 1]]]])
    return { store, root }
  }

  it('empty child', async () => {
    const { store, root } = await rootOver([new Uint8Array(0), []])
    const hamt = await Hamt.load(store, root, { hashAlg: 'identity' })
    assert.equal(await hamt.get(new Uint8Array([0xff])), 1)
    await assert.rejects(hamt.get(new Uint8Array([0])), { name: 'MalformedHamtNodeError', reason: 'empty_child' })
  })

  it('child that should have been collapsed into its parent', async () => {
    const { store, root } = await rootOver([bits(0, 1), [[[new Uint8Array([0, 1]), 1]], [[new Uint8Array([0, 0x20]), 2]]]])
    const hamt = await Hamt.load(store, root, { hashAlg: 'identity' })
    await assert.rejects(hamt.get(new Uint8Array([0])), { name: 'MalformedHamtNodeError', reason: 'uncollapsed_child' })
    await assert.rejects(hamt.set(new Uint8Array([0]), 1), { name: 'MalformedHamtNodeError', reason: 'uncollapsed_child' })
  })

  it('the same child rules are checked while iterating', async () => {
    const { store, root } = await rootOver([new Uint8Array(0), []])
    const hamt = await Hamt.load(store, root, { hashAlg: 'identity' })
    await assert.rejects((async () => { for await (const entry of hamt.entries()) assert.ok(entry) })(), { name: 'MalformedHamtNodeError', reason: 'empty_child' })
  })
})

describe('writer', () => {
  it('encodes nodes exactly as @ipld/dag-cbor encodes the same structure (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: 100_000 }), { maxLength: 150 }),
      fc.oneof(fc.string(), fc.integer(), fc.uint8Array({ maxLength: 40 }), fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), fc.boolean())),
      async (seqs, value) => {
        const store = new MemoryBlockStore()
        const hamt = await Hamt.create(store, { bitWidth: 4, bucketSize: 2 })
        for (const seq of seqs) await hamt.set(seqKey(seq), value)
        await hamt.flush()
        for (const seq of seqs.slice(0, 10)) await hamt.set(seqKey(seq), [seq])
        await hamt.flush()
        for (const [cidText, data] of await allBlocks(store)) {
          assert.deepEqual(new Uint8Array(dagCbor.encode(dagCbor.decode(data))), data, cidText)
        }
      }), { numRuns: 40 })
  })

  it('writes bitfields big-endian without leading zeros, empty as empty bytes', () => {
    assert.deepEqual(bitfieldOf(new Array(32).fill(undefined)), new Uint8Array(0))
    assert.deepEqual(bits(0), new Uint8Array([1]))
    assert.deepEqual(bits(8), new Uint8Array([1, 0]))
    assert.deepEqual(bits(31, 0), new Uint8Array([0x80, 0, 0, 1]))
  })
})

async function allBlocks (store: MemoryBlockStore): Promise<Array<[string, Uint8Array]>> {
  const blocks = (store as unknown as { blocks: Map<string, Uint8Array> }).blocks
  return [...blocks.entries()]
}
