// Proves walkSelector visits like go-ipld-prime's WalkAdv over every IPLD data model kind: pre-order,
// selector-ordered fields, canonical map order, transparent links loaded lazily in walk order from
// real DAG-CBOR blocks, exact ExploreRecursive depth cut-offs over a 3-level DAG, union and subset
// semantics, and that the node limit and a missing block are typed errors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { parseSelector } from '../../../../protocol/selector/parse.js'
import { walkSelector } from '../../../../protocol/selector/walk.js'
import type { WalkSelectorOptions } from '../../../../protocol/selector/walk.js'
import type { Selector, SelectorVisit } from '../../../../protocol/selector/types.js'

const M = { '.': {} }
const ALL_RECURSIVELY = { R: { l: { depth: 100 }, ':>': { '|': [M, { a: { '>': { '@': {} } } }] } } }

/** An in-memory block store of real DAG-CBOR blocks that records the order of loads. */
class Blocks {
  readonly bytes = new Map<string, Uint8Array>()
  readonly loads: string[] = []

  async put (value: unknown): Promise<CID> {
    const bytes = dagCbor.encode(value)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    this.bytes.set(cid.toString(), bytes)
    return cid
  }

  readonly load = async (cid: CID): Promise<unknown> => {
    this.loads.push(cid.toString())
    const bytes = this.bytes.get(cid.toString())
    return bytes === undefined ? undefined : dagCbor.decode(bytes)
  }
}

const noLinks = async (): Promise<unknown> => { throw new Error('unexpected load') }

async function walk (node: unknown, selector: unknown, options: Partial<WalkSelectorOptions> = {}): Promise<SelectorVisit[]> {
  const out: SelectorVisit[] = []
  for await (const visit of walkSelector(node, selector as Selector, { load: noLinks, ...options })) out.push(visit)
  return out
}

const paths = (visits: SelectorVisit[]): string[] => visits.map((v) => v.path)

/** The 3-level DAG root → {A → C, B}, one block per node. */
async function threeLevelDag (): Promise<{ blocks: Blocks, root: CID, a: CID, b: CID, c: CID }> {
  const blocks = new Blocks()
  const c = await blocks.put({ v: 3 })
  const a = await blocks.put({ kids: [c], v: 1 })
  const b = await blocks.put({ kids: [], v: 2 })
  const root = await blocks.put({ kids: [a, b], v: 0 })
  return { blocks, root, a, b, c }
}

describe('walkSelector over the data model', () => {
  it('visits every kind, with links transparent (the loaded node sits at the link path)', async () => {
    const blocks = new Blocks()
    const leaf = await blocks.put('in another block')
    const bytes = new Uint8Array([1, 2, 3])
    const data = { n: null, t: true, f: false, i: -7, x: 1.5, big: 2n ** 64n, s: 'str', by: bytes, l: [1, [2]], m: { k: 'v' }, ln: leaf }
    const visits = await walk(data, ALL_RECURSIVELY, { load: blocks.load })
    const got = Object.fromEntries(visits.map((v) => [v.path, v.node]))
    assert.deepEqual(paths(visits), ['', 'f', 'i', 'l', 'l/0', 'l/1', 'l/1/0', 'm', 'm/k', 'n', 's', 't', 'x', 'by', 'ln', 'big'])
    assert.ok(visits.every((v) => v.matched))
    assert.equal(got.n, null)
    assert.equal(got.big, 2n ** 64n)
    assert.equal(got.by, bytes)
    assert.equal(got.ln, 'in another block')
    assert.deepEqual(blocks.loads, [leaf.toString()])
  })

  it('iterates map keys in DAG-CBOR canonical order, not JS property order', async () => {
    // shorter UTF-8 first, then bytewise: '10' (0x31…) < 'aa' (0x61…) < 'é' (0xc3…); JS would put '10' first
    const data = { b: 1, 10: 2, a: 3, é: 4, aa: 5, abc: 6 }
    assert.deepEqual(Object.keys(data)[0], '10')
    assert.deepEqual(paths(await walk(data, { a: { '>': M } })), ['', 'a', 'b', '10', 'aa', 'é', 'abc'])
  })

  it('skips fields and indices the node lacks, and list-only clauses on maps', async () => {
    assert.deepEqual(paths(await walk({ a: 1 }, { f: { 'f>': { missing: M, a: M } } })), ['', 'a'])
    assert.deepEqual(paths(await walk([1], { i: { i: 5, '>': M } })), [''])
    assert.deepEqual(paths(await walk({ 0: 1 }, { i: { i: 0, '>': M } })), [''])
    assert.deepEqual(paths(await walk({ 0: 1 }, { r: { '^': 0, $: 3, '>': M } })), [''])
    assert.deepEqual(paths(await walk([0, 1], { r: { '^': 1, $: 2n ** 63n, '>': M } })), ['', '1'])
    assert.deepEqual(paths(await walk('scalar', { a: { '>': M } })), [''])
  })

  it('lets ExploreFields name a list index in canonical base 10 only (as go-ipld-prime)', async () => {
    assert.deepEqual(paths(await walk(['x', 'y'], { f: { 'f>': { 1: M, '01': M, '-1': M } } })), ['', '1'])
  })

  it('loads the root when it is a link', async () => {
    const { blocks, root, a, b } = await threeLevelDag()
    const visits = await walk(root, M, { load: blocks.load })
    assert.deepEqual(visits.map((v) => [v.path, v.matched]), [['', true]])
    const node = visits[0].node as { kids: unknown[], v: number }
    assert.equal(node.v, 0)
    assert.deepEqual(node.kids.map(String), [a, b].map(String))
    assert.deepEqual(blocks.loads, [root.toString()])
  })
})

describe('walkSelector across blocks with ExploreRecursive', () => {
  const kidsRecursion = (depth: number): unknown => ({ R: { l: { depth }, ':>': { f: { 'f>': { kids: { a: { '>': { '@': {} } } } } } } } })

  it('yields exactly the expected paths for each depth limit over a 3-level DAG', async () => {
    const expected: Record<number, string[]> = {
      0: ['', 'kids'],
      1: ['', 'kids'],
      2: ['', 'kids', 'kids/0', 'kids/0/kids', 'kids/1', 'kids/1/kids'],
      3: ['', 'kids', 'kids/0', 'kids/0/kids', 'kids/0/kids/0', 'kids/1', 'kids/1/kids'],
      4: ['', 'kids', 'kids/0', 'kids/0/kids', 'kids/0/kids/0', 'kids/1', 'kids/1/kids']
    }
    for (const [depth, want] of Object.entries(expected)) {
      const { blocks, root } = await threeLevelDag()
      assert.deepEqual(paths(await walk(root, kidsRecursion(Number(depth)), { load: blocks.load })), want, `depth ${depth}`)
    }
  })

  it('loads blocks lazily, in the order the walk needs them', async () => {
    const { blocks, root, a, b, c } = await threeLevelDag()
    await walk(root, kidsRecursion(3), { load: blocks.load })
    assert.deepEqual(blocks.loads, [root, a, c, b].map(String))
    const second = await threeLevelDag()
    await walk(second.root, { f: { 'f>': { kids: { i: { i: 1, '>': M } } } } }, { load: second.blocks.load })
    assert.deepEqual(second.blocks.loads, [second.root, second.b].map(String))
  })

  it('matches every node of the DAG with the usual explore-all selector', async () => {
    const { blocks, root } = await threeLevelDag()
    const visits = await walk(root, ALL_RECURSIVELY, { load: blocks.load })
    assert.deepEqual(paths(visits), ['', 'v', 'kids', 'kids/0', 'kids/0/v', 'kids/0/kids', 'kids/0/kids/0', 'kids/0/kids/0/v', 'kids/1', 'kids/1/v', 'kids/1/kids'])
    assert.ok(visits.every((v) => v.matched))
  })

  it('stops loading when the consumer stops', async () => {
    const { blocks, root } = await threeLevelDag()
    for await (const visit of walkSelector(root, parseSelector(ALL_RECURSIVELY), { load: blocks.load })) {
      if (visit.path === 'kids') break
    }
    assert.deepEqual(blocks.loads, [root.toString()])
  })

  it('runs nested recursions, each edge returning to its own ExploreRecursive', async () => {
    // outer: step into "n" up to 3 times; inner (at each step): every item of "l", 2 levels
    const data = { l: [[0]], n: { l: [[1]], n: { l: [[2]], n: { l: [] } } } }
    const inner = { R: { l: { depth: 2 }, ':>': { a: { '>': { '@': {} } } } } }
    const selector = { R: { l: { depth: 3 }, ':>': { f: { 'f>': { l: inner, n: { '@': {} } } } } } }
    assert.deepEqual(paths(await walk(data, selector)), ['', 'l', 'l/0', 'n', 'n/l', 'n/l/0', 'n/n', 'n/n/l', 'n/n/l/0'])
  })
})

describe('walkSelector: unions and matcher subsets', () => {
  it('matches a node when any union member matches and explores with all members', async () => {
    const visits = await walk({ a: { x: 1 }, b: 2 }, { '|': [{ f: { 'f>': { a: M } } }, { a: { '>': { a: { '>': M } } } }] })
    assert.deepEqual(visits.map((v) => [v.path, v.matched]), [['', false], ['a', true], ['a/x', true], ['b', false]])
  })

  it('visits a field twice when two union members name it (go-ipld-prime concatenates interests)', async () => {
    const visits = await walk({ a: 1 }, { '|': [{ f: { 'f>': { a: M } } }, { f: { 'f>': { a: M } } }] })
    assert.deepEqual(paths(visits), ['', 'a', 'a'])
  })

  it('slices bytes and strings by byte offsets, and reports a subset that does not apply as unmatched', async () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const subset = (from: number, to: number): unknown => ({ '.': { subset: { '[': from, ']': to } } })
    const one = async (node: unknown, selector: unknown): Promise<SelectorVisit> => (await walk(node, selector))[0]
    assert.deepEqual(await one(bytes, subset(2, 5)), { path: '', node: new Uint8Array([2, 3, 4]), matched: true })
    assert.deepEqual(await one(bytes, subset(-3, 100)), { path: '', node: new Uint8Array([7, 8, 9]), matched: true })
    assert.deepEqual(await one(bytes, subset(-100, 1)), { path: '', node: new Uint8Array([0]), matched: true })
    assert.deepEqual(await one(bytes, subset(4, 4)), { path: '', node: new Uint8Array([]), matched: true })
    assert.deepEqual(await one(bytes, subset(3, -8)), { path: '', node: bytes, matched: false })
    assert.deepEqual(await one(bytes, subset(11, 20)), { path: '', node: bytes, matched: false })
    assert.deepEqual(await one('héllo', subset(0, 3)), { path: '', node: 'hé', matched: true })
    assert.deepEqual(await one('héllo', subset(0, 2)), { path: '', node: 'héllo', matched: false })
    assert.deepEqual(await one({ k: 1 }, subset(0, 1)), { path: '', node: { k: 1 }, matched: false })
  })
})

describe('walkSelector: limits and errors', () => {
  it('nodes: throws SelectorLimitError after maxNodesVisited visits', async () => {
    const seen: string[] = []
    await assert.rejects(async () => {
      for await (const v of walkSelector([1, 2, 3, 4], parseSelector({ a: { '>': M } }), { load: noLinks, maxNodesVisited: 3 })) seen.push(v.path)
    }, { name: 'SelectorLimitError', limit: 'nodes', max: 3 })
    assert.deepEqual(seen, ['', '0', '1'])
    assert.equal((await walk([1, 2], { a: { '>': M } }, { maxNodesVisited: 3 })).length, 3)
  })

  it('a block the loader does not have is a BlockNotFoundError; loader errors propagate', async () => {
    const { blocks, root, a } = await threeLevelDag()
    blocks.bytes.delete(a.toString())
    await assert.rejects(walk(root, ALL_RECURSIVELY, { load: blocks.load }), { name: 'BlockNotFoundError', cid: a.toString() })
    await assert.rejects(walk(root, M), { message: 'unexpected load' })
  })

  it('parses (and so validates) a selector that parseSelector did not make, with the walk options', async () => {
    assert.deepEqual(paths(await walk([1], { a: { '>': M } })), ['', '0'])
    await assert.rejects(walk([1], { kind: 'matcher' }), { name: 'InvalidSelectorError' })
    const none = { R: { l: { none: {} }, ':>': { a: { '>': { '@': {} } } } } }
    await assert.rejects(walk([[[1]]], none), { name: 'SelectorLimitError', limit: 'recursion_none' })
    assert.deepEqual(paths(await walk([[[1]]], none, { allowRecursionNone: true })), ['', '0', '0/0', '0/0/0'])
  })
})
