// Proves parseSelector accepts every selector kind of the IPLD spec into the typed tree, rejects
// malformed selectors with InvalidSelectorError naming the path, rejects conditions and
// InterpretAs as unsupported, enforces every named limit, and that encodeSelector round-trips.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { encodeSelector, selectorDepth, selectorSize } from '../../../../protocol/selector/encode.js'
import { DEFAULT_MAX_RECURSION_DEPTH, DEFAULT_MAX_SELECTOR_NESTING, DEFAULT_MAX_SELECTOR_NODES } from '../../../../protocol/selector/limits.js'
import { isParsedSelector, parseSelector } from '../../../../protocol/selector/parse.js'

const M = { '.': {} }
/** go-graphsync's usual "everything below the root" selector. */
const EXPLORE_ALL_RECURSIVELY = { R: { l: { depth: 100 }, ':>': { '|': [M, { a: { '>': { '@': {} } } }] } } }

const invalid = (node: unknown, path: string): void => {
  assert.throws(() => parseSelector(node), { name: 'InvalidSelectorError', path })
}

describe('parseSelector: valid selectors', () => {
  it('parses each kind into the typed tree', () => {
    assert.deepEqual(parseSelector(M), { kind: 'matcher' })
    assert.deepEqual(parseSelector({ '.': { label: 'x', subset: { '[': 1, ']': 2 } } }), { kind: 'matcher', label: 'x', subset: { from: 1, to: 2 } })
    assert.deepEqual(parseSelector({ a: { '>': M } }), { kind: 'all', next: { kind: 'matcher' } })
    assert.deepEqual(parseSelector({ i: { i: 3, '>': M } }), { kind: 'index', index: 3, next: { kind: 'matcher' } })
    assert.deepEqual(parseSelector({ r: { '^': 0, $: 2, '>': M } }), { kind: 'range', start: 0, end: 2, next: { kind: 'matcher' } })
    assert.deepEqual(parseSelector({ '|': [M, { a: { '>': M } }] }), { kind: 'union', members: [{ kind: 'matcher' }, { kind: 'all', next: { kind: 'matcher' } }] })
    const fields = parseSelector({ f: { 'f>': { z: M, a: { '.': {} } } } })
    assert.equal(fields.kind, 'fields')
    assert.deepEqual(fields.kind === 'fields' && [...fields.fields.keys()], ['z', 'a'])
    assert.deepEqual(parseSelector(EXPLORE_ALL_RECURSIVELY), {
      kind: 'recursive',
      limit: { kind: 'depth', depth: 100 },
      sequence: { kind: 'union', members: [{ kind: 'matcher' }, { kind: 'all', next: { kind: 'edge' } }] }
    })
  })

  it('accepts a selector as decoded from DAG-CBOR, including bigint integers', () => {
    const node = dagCbor.decode(dagCbor.encode({ '.': { subset: { '[': -9, ']': 9223372036854775807n } } }))
    assert.deepEqual(parseSelector(node), { kind: 'matcher', subset: { from: -9, to: 9223372036854775807n } })
  })

  it('binds an edge to the nearest ExploreRecursive and allows several edges', () => {
    const nested = { R: { l: { depth: 2 }, ':>': { '|': [{ R: { l: { depth: 3 }, ':>': { a: { '>': { '@': {} } } } } }, { a: { '>': { '@': {} } } }] } } }
    assert.equal(parseSelector(nested).kind, 'recursive')
  })

  it('returns frozen selectors marked as parsed', () => {
    const selector = parseSelector(EXPLORE_ALL_RECURSIVELY)
    assert.ok(Object.isFrozen(selector))
    assert.ok(isParsedSelector(selector))
    assert.ok(selector.kind === 'recursive' && isParsedSelector(selector.sequence))
    assert.ok(!isParsedSelector({ kind: 'matcher' }))
  })
})

describe('parseSelector: malformed selectors', () => {
  it('rejects non-maps and keyed unions without exactly one key', () => {
    for (const node of [null, 1, 'a', [], new Uint8Array(1), true]) invalid(node, '')
    invalid({}, '')
    invalid({ '.': {}, a: { '>': M } }, '')
    invalid({ x: {} }, '')
    invalid({ a: { '>': [] } }, 'a/>')
  })

  it('rejects unknown and missing fields', () => {
    invalid({ '.': { extra: 1 } }, './extra')
    invalid({ a: {} }, 'a/>')
    invalid({ a: { '>': M, x: 1 } }, 'a/x')
    invalid({ f: {} }, 'f/f>')
    invalid({ f: { 'f>': [] } }, 'f/f>')
    invalid({ f: { 'f>': { foo: { x: {} } } } }, 'f/f>/foo')
    invalid({ i: { '>': M } }, 'i/i')
    invalid({ r: { '^': 0, '>': M } }, 'r/$')
    invalid({ R: { ':>': { '@': {} } } }, 'R/l')
    invalid({ R: { l: { depth: 1 } } }, 'R/:>')
    invalid({ '.': { subset: { '[': 1 } } }, './subset/]')
  })

  it('rejects wrong types and out-of-range integers', () => {
    invalid({ i: { i: 1.5, '>': M } }, 'i/i')
    invalid({ i: { i: '1', '>': M } }, 'i/i')
    invalid({ i: { i: -1, '>': M } }, 'i/i')
    invalid({ r: { '^': -1, $: 2, '>': M } }, 'r/^')
    invalid({ r: { '^': 2, $: 2, '>': M } }, 'r')
    invalid({ r: { '^': 3, $: 2, '>': M } }, 'r')
    invalid({ '.': { subset: { '[': 5, ']': 2 } } }, './subset')
    invalid({ '.': { subset: { '[': -1, ']': -2 } } }, './subset')
    invalid({ '.': { label: 1 } }, './label')
    invalid({ R: { l: { depth: -1 }, ':>': { '@': {} } } }, 'R/l/depth')
    invalid({ R: { l: { depth: 1.5 }, ':>': { '@': {} } } }, 'R/l/depth')
    invalid({ R: { l: { depth: 1, none: {} }, ':>': { '@': {} } } }, 'R/l')
    invalid({ R: { l: { forever: {} }, ':>': { '@': {} } } }, 'R/l')
    invalid({ '|': M }, '|')
    invalid({ '~': { as: 1, '>': M } }, '~/as')
  })

  it('accepts a subset whose signs differ (only the data length can tell)', () => {
    assert.equal(parseSelector({ '.': { subset: { '[': 5, ']': -1 } } }).kind, 'matcher')
  })

  it('rejects an empty union, an edge outside recursion, a recursion with no edge, a non-empty edge', () => {
    invalid({ '|': [] }, '|')
    invalid({ '@': {} }, '@')
    invalid({ a: { '>': { '@': {} } } }, 'a/>/@')
    invalid({ R: { l: { depth: 1 }, ':>': { a: { '>': M } } } }, 'R/:>')
    invalid({ R: { l: { depth: 1 }, ':>': { '@': { x: 1 } } } }, 'R/:>/@/x')
    // the inner recursion owns this edge, so the outer one has none
    invalid({ R: { l: { depth: 1 }, ':>': { R: { l: { depth: 1 }, ':>': { '@': {} } } } } }, 'R/:>')
  })

  it('names the path through unions and fields', () => {
    invalid({ '|': [M, { f: { 'f>': { 'a b': { a: {} } } } }] }, '|/1/f/f>/a b/a/>')
  })
})

describe('parseSelector: unsupported features', () => {
  it('rejects ExploreConditional, stopAt and Matcher onlyIf as condition', () => {
    for (const node of [
      { '&': { '&': { '/': {} }, '>': M } },
      { R: { l: { depth: 1 }, ':>': { a: { '>': { '@': {} } } }, '!': { '/': {} } } },
      { '.': { onlyIf: { '/': {} } } }
    ]) assert.throws(() => parseSelector(node), { name: 'UnsupportedSelectorError', feature: 'condition' })
  })

  it('rejects InterpretAs as interpret_as', () => {
    assert.throws(() => parseSelector({ a: { '>': { '~': { as: 'unixfs', '>': M } } } }), { name: 'UnsupportedSelectorError', feature: 'interpret_as' })
  })
})

describe('parseSelector: limits', () => {
  const recursive = (l: unknown): unknown => ({ R: { l, ':>': { a: { '>': { '@': {} } } } } })

  it('depth: rejects a depth limit above maxRecursionDepth', () => {
    assert.equal(parseSelector(recursive({ depth: DEFAULT_MAX_RECURSION_DEPTH })).kind, 'recursive')
    assert.throws(() => parseSelector(recursive({ depth: DEFAULT_MAX_RECURSION_DEPTH + 1 })), { name: 'SelectorLimitError', limit: 'depth', max: DEFAULT_MAX_RECURSION_DEPTH })
    assert.throws(() => parseSelector(recursive({ depth: 2n ** 64n })), { name: 'SelectorLimitError', limit: 'depth' })
    assert.throws(() => parseSelector(recursive({ depth: 11 }), { maxRecursionDepth: 10 }), { name: 'SelectorLimitError', limit: 'depth', max: 10 })
  })

  it('recursion_none: rejects limit none unless allowed', () => {
    assert.throws(() => parseSelector(recursive({ none: {} })), { name: 'SelectorLimitError', limit: 'recursion_none' })
    assert.deepEqual(parseSelector(recursive({ none: {} }), { allowRecursionNone: true }).kind, 'recursive')
    invalid(recursive({ none: { x: 1 } }), 'R/l/none/x')
  })

  it('size: rejects more clauses than maxSelectorNodes', () => {
    const union = (n: number): unknown => ({ '|': Array.from({ length: n }, () => M) })
    assert.equal(parseSelector(union(DEFAULT_MAX_SELECTOR_NODES - 1)).kind, 'union')
    assert.throws(() => parseSelector(union(DEFAULT_MAX_SELECTOR_NODES)), { name: 'SelectorLimitError', limit: 'size', max: DEFAULT_MAX_SELECTOR_NODES })
    assert.throws(() => parseSelector(union(3), { maxSelectorNodes: 3 }), { name: 'SelectorLimitError', limit: 'size', max: 3 })
  })

  it('nesting: rejects clauses nested deeper than maxSelectorNesting, even absurdly deep ones', () => {
    const nest = (n: number): unknown => {
      let node: unknown = M
      for (let i = 1; i < n; i++) node = { a: { '>': node } }
      return node
    }
    assert.equal(parseSelector(nest(DEFAULT_MAX_SELECTOR_NESTING)).kind, 'all')
    assert.throws(() => parseSelector(nest(DEFAULT_MAX_SELECTOR_NESTING + 1)), { name: 'SelectorLimitError', limit: 'nesting', max: DEFAULT_MAX_SELECTOR_NESTING })
    assert.throws(() => parseSelector(nest(100_000)), { name: 'SelectorLimitError', limit: 'nesting' })
  })
})

describe('encodeSelector, selectorDepth, selectorSize', () => {
  it('round-trips through the IPLD node form and DAG-CBOR', () => {
    for (const node of [
      EXPLORE_ALL_RECURSIVELY,
      { f: { 'f>': { b: M, a: { i: { i: 2, '>': { r: { '^': 1, $: 9, '>': { '.': { label: 'l', subset: { '[': -3, ']': 2n ** 63n } } } } } } } } } }
    ]) {
      const parsed = parseSelector(node)
      assert.deepEqual(encodeSelector(parsed), node)
      assert.deepEqual(parseSelector(dagCbor.decode(dagCbor.encode(encodeSelector(parsed)))), parsed)
    }
    const none = { R: { l: { none: {} }, ':>': { '@': {} } } }
    assert.deepEqual(encodeSelector(parseSelector(none, { allowRecursionNone: true })), none)
  })

  it('reports the largest recursion depth and the clause count', () => {
    assert.equal(selectorDepth(parseSelector(M)), 0)
    assert.equal(selectorDepth(parseSelector(EXPLORE_ALL_RECURSIVELY)), 100)
    const nested = { R: { l: { depth: 2 }, ':>': { '|': [{ R: { l: { depth: 7 }, ':>': { '@': {} } } }, { a: { '>': { '@': {} } } }] } } }
    assert.equal(selectorDepth(parseSelector(nested)), 7)
    assert.equal(selectorDepth(parseSelector({ R: { l: { none: {} }, ':>': { '@': {} } } }, { allowRecursionNone: true })), Infinity)
    assert.equal(selectorSize(parseSelector(EXPLORE_ALL_RECURSIVELY)), 5)
    assert.equal(selectorSize(parseSelector(nested)), 6)
  })
})
