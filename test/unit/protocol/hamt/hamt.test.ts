// Proves the map's behaviour: get/has/set/delete/entries, canonical form (insertion-order
// independence, delete back to the empty root, push-down and recursive collapse), that only
// changed nodes are written, lazy loading over an injected store, and typed errors for bad input.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { HAMT_EMPTY_ROOT } from '../../../../protocol/hamt/types.js'
import { bytes, CountingStore, seqKey } from './hamt-helpers.js'
import type { HamtOptions } from '../../../../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

async function build (keys: Uint8Array[], options: HamtOptions = {}, store = new CountingStore()): Promise<{ hamt: Hamt, root: CID, store: CountingStore }> {
  const hamt = await Hamt.create(store, options)
  for (const key of keys) await hamt.set(key, { k: key })
  return { hamt, root: await hamt.flush(), store }
}

describe('Hamt basics', () => {
  it('gets, has, overwrites and deletes', async () => {
    const hamt = await Hamt.create(new CountingStore())
    assert.equal(await hamt.get(bytes('a')), undefined)
    assert.equal(await hamt.has(bytes('a')), false)
    await hamt.set(bytes('a'), 'one')
    await hamt.set(bytes('a'), { two: [2, null, true] })
    assert.deepEqual(await hamt.get(bytes('a')), { two: [2, null, true] })
    assert.equal(await hamt.has(bytes('a')), true)
    assert.equal(await hamt.delete(bytes('a')), true)
    assert.equal(await hamt.delete(bytes('a')), false)
    assert.equal(await hamt.has(bytes('a')), false)
  })

  it('keeps 2,000 sequence keys across flush and reload, at bitWidth 1, 5 and 8', async () => {
    for (const bitWidth of [1, 5, 8]) {
      const keys = Array.from({ length: 2000 }, (_, i) => seqKey(i))
      const { root, store } = await build(keys, { bitWidth })
      const loaded = await Hamt.load(store, root, { bitWidth })
      for (const key of keys) assert.deepEqual(await loaded.get(key), { k: key })
      assert.equal(await loaded.get(seqKey(5000)), undefined)
    }
  })

  it('does not see later changes to the key array it was given', async () => {
    const hamt = await Hamt.create(new CountingStore())
    const key = bytes('abc')
    await hamt.set(key, 1)
    key[0] = 0x7a
    assert.equal(await hamt.get(bytes('abc')), 1)
  })

  it('lists entries in tree order: with the identity hash, byte order of the keys', async () => {
    const keys = ['b', 'a', 'ab', 'ba', 'c', 'aa', 'ac', 'abc', 'abd'].map(bytes)
    const { hamt, root, store } = await build(keys, { bitWidth: 8, hashAlg: 'identity' })
    const sorted = [...keys].sort((x, y) => Buffer.compare(x, y))
    const seen: Uint8Array[] = []
    for await (const [key] of hamt.entries()) seen.push(key)
    assert.deepEqual(seen, sorted)
    const reloaded: Uint8Array[] = []
    for await (const [key] of (await Hamt.load(store, root, { bitWidth: 8, hashAlg: 'identity' })).entries()) reloaded.push(key)
    assert.deepEqual(reloaded, sorted)
  })
})

describe('Hamt canonical form', () => {
  it('has one root per key set whatever the insertion order (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 6 }), { maxLength: 80, selector: (k) => Buffer.from(k).toString('hex') }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 4 }),
      async (keys, bitWidth, bucketSize) => {
        const options = { bitWidth, bucketSize }
        const forward = await build(keys, options)
        const backward = await build([...keys].reverse(), options)
        assert.equal(forward.root.toString(), backward.root.toString())
      }), { numRuns: 60 })
  })

  it('is the same after adding extra keys and deleting them again (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 120 }),
      fc.integer({ min: 1, max: 119 }),
      async (seqs, split) => {
        const cut = Math.min(split, seqs.length)
        const kept = seqs.slice(0, cut).map(seqKey)
        const { hamt, root } = await build(kept, { bitWidth: 3, bucketSize: 2 })
        for (const seq of seqs.slice(cut)) await hamt.set(seqKey(seq), 'extra')
        for (const seq of seqs.slice(cut)) assert.equal(await hamt.delete(seqKey(seq)), true)
        assert.equal((await hamt.flush()).toString(), root.toString())
      }), { numRuns: 60 })
  })

  it('returns to the empty root when every key is deleted', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => seqKey(i))
    const { hamt } = await build(keys)
    for (const key of keys.reverse()) assert.equal(await hamt.delete(key), true)
    assert.equal((await hamt.flush()).toString(), HAMT_EMPTY_ROOT.toString())
  })

  it('pushes a full bucket down through a chain of nodes and collapses the chain back (go TestFillAndCollapse)', async () => {
    const options: HamtOptions = { bitWidth: 8, hashAlg: 'identity' }
    const store = new CountingStore()
    const hamt = await Hamt.create(store, options)
    for (const key of ['AAAAAA11', 'AAAAAA12', 'AAAAAA21']) await hamt.set(bytes(key), 1)
    const base = await hamt.flush()
    assert.equal(store.size, 1)
    await hamt.set(bytes('AAAAAA22'), 1) // 4 keys share 6 bytes: 6 new nodes down to byte 7
    await hamt.flush()
    assert.equal(store.size, 1 + 7)
    assert.equal(await hamt.delete(bytes('AAAAAA22')), true)
    assert.equal((await hamt.flush()).toString(), base.toString())
    for (const key of ['AAA11AA', 'AAA12AA', 'AAA13AA']) await hamt.set(bytes(key), 1)
    const mid = await hamt.flush()
    await hamt.set(bytes('AAA14AA'), 1)
    await hamt.set(bytes('AAAAAA22'), 1)
    await hamt.flush()
    await hamt.delete(bytes('AAAAAA22'))
    await hamt.delete(bytes('AAA14AA'))
    assert.equal((await hamt.flush()).toString(), mid.toString())
    for (const key of ['AAA11AA', 'AAA12AA', 'AAA13AA']) await hamt.delete(bytes(key))
    assert.equal((await hamt.flush()).toString(), base.toString())
  })

  it('collapses a reloaded child whose entries now fit one bucket, re-sorted by key', async () => {
    // identity, bitWidth 8: 'X' + b share the first slot; the second byte spreads them in the child
    const options: HamtOptions = { bitWidth: 8, hashAlg: 'identity' }
    const keys = ['Xd', 'Xa', 'Xc', 'Xb'].map(bytes)
    const { root, store } = await build(keys, options)
    const reloaded = await Hamt.load(store, root, options)
    assert.equal(await reloaded.delete(bytes('Xc')), true)
    const collapsed = await reloaded.flush()
    const direct = await build(['Xa', 'Xb', 'Xd'].map(bytes), options)
    assert.equal(collapsed.toString(), direct.root.toString())
  })
})

describe('Hamt writes', () => {
  it('writes nothing for a set that changes nothing, nor for an unchanged map', async () => {
    const { hamt, store } = await build([bytes('a'), bytes('b')])
    const writes = store.writes
    await hamt.set(bytes('a'), { k: bytes('a') })
    await hamt.flush()
    await hamt.flush()
    assert.equal(store.writes, writes)
  })

  it('writes only the nodes on the changed path', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => seqKey(i))
    const { hamt, store } = await build(keys)
    const blocks = store.size
    const writes = store.writes
    await hamt.set(seqKey(1), 'changed')
    await hamt.flush()
    assert.ok(store.writes - writes <= 4, `${store.writes - writes} writes`)
    assert.ok(store.writes - writes >= 2)
    assert.ok(store.size > blocks)
  })

  it('rewrites everything of a flush whose write failed', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store)
    await hamt.set(bytes('a'), 1)
    store.failNextPut = true
    await assert.rejects(hamt.flush(), { message: 'disk full' })
    const root = await hamt.flush()
    assert.equal(await (await Hamt.load(store, root)).get(bytes('a')), 1)
  })

  it('returns a root from concurrent flushes only once its blocks are stored', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store)
    await hamt.set(bytes('a'), 1)
    const first = hamt.flush()
    await hamt.set(bytes('b'), 2)
    const second = hamt.flush()
    const [, root] = await Promise.all([first, second])
    const loaded = await Hamt.load(store, root)
    assert.equal(await loaded.get(bytes('a')), 1)
    assert.equal(await loaded.get(bytes('b')), 2)
  })

  it('gives the same root to concurrent sets on a reloaded map as to sequential ones', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => seqKey(i))
    const { root, store } = await build(keys)
    const a = await Hamt.load(store, root)
    const b = await Hamt.load(store, root)
    const more = Array.from({ length: 200 }, (_, i) => seqKey(1000 + i))
    await Promise.all(more.map(async (key) => { await a.set(key, { k: key }) }))
    await Promise.all(keys.slice(0, 50).map(async (key) => a.delete(key)))
    for (const key of more) await b.set(key, { k: key })
    for (const key of keys.slice(0, 50)) await b.delete(key)
    assert.equal((await a.flush()).toString(), (await b.flush()).toString())
  })
})

describe('Hamt errors', () => {
  it('reports a missing child block as BlockNotFoundError, never as an absent key', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => seqKey(i))
    const { root, store } = await build(keys)
    const sparse = new CountingStore()
    await sparse.put(root, (await store.get(root)) as Uint8Array)
    const hamt = await Hamt.load(sparse, root)
    await assert.rejects(hamt.get(seqKey(7)), { name: 'BlockNotFoundError' })
    await assert.rejects(Hamt.load(new CountingStore(), root), { name: 'BlockNotFoundError', cid: root.toString() })
  })

  it('rejects bad options, non-IPLD values and over-long identity keys', async () => {
    const store = new CountingStore()
    await assert.rejects(Hamt.create(store, { bitWidth: 0 }), { name: 'InvalidHamtOptionsError', option: 'bitWidth' })
    await assert.rejects(Hamt.create(store, { bitWidth: 9 }), { name: 'InvalidHamtOptionsError', option: 'bitWidth' })
    await assert.rejects(Hamt.create(store, { bucketSize: 0 }), { name: 'InvalidHamtOptionsError', option: 'bucketSize' })
    await assert.rejects(Hamt.create(store, { hashAlg: 'md5' as 'identity' }), { name: 'InvalidHamtOptionsError', option: 'hashAlg' })
    const hamt = await Hamt.create(store)
    await assert.rejects(hamt.set(bytes('a'), undefined), { name: 'InvalidHamtValueError' })
    await hamt.set(bytes('b'), { nested: undefined })
    await assert.rejects(hamt.flush(), { name: 'InvalidHamtValueError' })
    await assert.rejects(hamt.get('a' as unknown as Uint8Array), { name: 'InvalidHamtKeyError', reason: 'not_bytes' })
    const identity = await Hamt.create(store, { hashAlg: 'identity' })
    await assert.rejects(identity.set(new Uint8Array(33), 1), { name: 'InvalidHamtKeyError', reason: 'too_long' })
  })

  it('stops at the maximum depth when identity hashes collide on every bit', async () => {
    const hamt = await Hamt.create(new CountingStore(), { hashAlg: 'identity' })
    // right-padding makes these four keys hash identically
    for (const key of ['A', 'A\0', 'A\0\0']) await hamt.set(bytes(key), 1)
    await assert.rejects(hamt.set(bytes('A\0\0\0'), 1), { name: 'HamtMaxDepthError', depth: 51 }) // 51 levels of 5 bits; 1 bit left over is not a level (go-hamt-ipld)
    assert.equal(await hamt.get(bytes('A\0\0\0')), undefined)
    assert.equal(await hamt.get(bytes('A\0')), 1)
  })
})
