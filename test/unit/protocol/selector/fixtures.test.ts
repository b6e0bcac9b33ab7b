// Proves parseSelector + walkSelector reproduce the published IPLD selector fixtures
// (ipld/ipld specs/selectors/fixtures: selector-fixtures-1, -recursion, -adl) visit for visit:
// same paths, same order, same nodes, same matched flags. Provenance: test/fixtures/selectors/README.md.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { parseSelector } from '../../../../protocol/selector/parse.js'
import { walkSelector } from '../../../../protocol/selector/walk.js'
import type { ParseSelectorOptions } from '../../../../protocol/selector/limits.js'

/** A fixture hunk: the JSON text exactly as published, decoded as dag-json. */
const json = (text: string): unknown => dagJson.decode(new TextEncoder().encode(text))

/** The fixtures' node description: maps and lists as null, scalars with their value. */
function describeNode (node: unknown): Record<string, unknown> {
  if (node === null) return { null: null }
  if (typeof node === 'boolean') return { bool: node }
  if (typeof node === 'number') return Number.isInteger(node) ? { int: node } : { float: node }
  if (typeof node === 'bigint') return { int: node }
  if (typeof node === 'string') return { string: node }
  if (node instanceof Uint8Array) return { bytes: [...node] }
  if (Array.isArray(node)) return { list: null }
  const cid = CID.asCID(node)
  if (cid !== null) return { link: cid.toString() }
  return { map: null }
}

async function visits (data: unknown, selectorNode: unknown, options: ParseSelectorOptions = {}): Promise<unknown[]> {
  const selector = parseSelector(selectorNode, options)
  const out: unknown[] = []
  const load = async (): Promise<unknown> => { throw new Error('fixture data has no links') }
  for await (const v of walkSelector(data, selector, { load })) {
    out.push({ path: v.path, node: describeNode(v.node), matched: v.matched })
  }
  return out
}

/** The fixtures' expect-visit hunks are JSON lines. */
const lines = (text: string): unknown[] => text.trim().split('\n').map((line) => JSON.parse(line) as unknown)

describe('selector-fixtures-1', () => {
  it('single-node: a Matcher matches the node it is applied on', async () => {
    assert.deepEqual(await visits(json('"basic test"'), json('{"." : {}}')),
      lines('{"path": "", "node": {"string": "basic test"}, "matched": true}'))
  })

  it('simple-map: a Matcher on a map matches only the map', async () => {
    assert.deepEqual(await visits(json('{"foo": true, "other": {}}'), json('{".": {}}')),
      lines('{"path": "", "node": {"map": null}, "matched": true}'))
  })

  it('explore-fields: fields are visited in the selector order, the map is visited but not matched', async () => {
    const data = json('{"bar": false, "foo": true, "some_other": {}}')
    const selector = json('{"f": {"f>": {"foo": {".": {}}, "bar": {".": {}}}}}')
    assert.deepEqual(await visits(data, selector), lines(`
{"path": "",    "node": {"map": null}, "matched": false}
{"path": "foo", "node": {"bool": true}, "matched": true}
{"path": "bar", "node": {"bool": false}, "matched": true}`))
  })

  it('explore-fields-nested: nested ExploreFields', async () => {
    const data = json('{"nested": {"newt": 8}, "foo": true, "bar": 5}')
    const selector = json('{"f": {"f>": {"foo": {".": {}}, "nested": {"f": {"f>": {"newt": {".": {}}}}}}}}')
    assert.deepEqual(await visits(data, selector), lines(`
{"path": "", "node": {"map": null}, "matched": false}
{"path": "foo", "node": {"bool": true}, "matched": true}
{"path": "nested", "node": {"map": null}, "matched": false}
{"path": "nested/newt", "node": {"int": 8}, "matched": true}`))
  })

  it('explore-index: one list index', async () => {
    assert.deepEqual(await visits(json('["0", "1", "2"]'), json('{"i": {"i": 1, ">": {".": {}}}}')), lines(`
{"path": "", "node": {"list": null}, "matched": false}
{"path": "1", "node": {"string": "1"}, "matched": true}`))
  })

  it('explore-range: [start, end) of a list', async () => {
    assert.deepEqual(await visits(json('[0, null, "s", {}]'), json('{"r": {"^": 1, "$": 3, ">": {".": {}}}}')), lines(`
{"path": "", "node": {"list": null}, "matched": false}
{"path": "1", "node": {"null": null}, "matched": true}
{"path": "2", "node": {"string": "s"}, "matched": true}`))
  })

  it('match-subset: a Matcher subset yields the byte range of a string', async () => {
    const data = json('"a long string that we want to match a subset of"')
    assert.deepEqual(await visits(data, json('{".": {"subset": {"[": 30, "]": 44}}}')),
      lines('{"path": "", "node": {"string": "match a subset"}, "matched": true}'))
  })

  it('match-subset-extremities: negative from counts from the end, an oversized to means the end', async () => {
    const data = json('"a long string that we want to match a subset of"')
    const selector = json('{".": {"subset": {"[": -9, "]": 9223372036854775807}}}')
    assert.deepEqual(await visits(data, selector),
      lines('{"path": "", "node": {"string": "subset of"}, "matched": true}'))
  })

  it('hello-recursion: depth 4 over ExploreAll visits four levels and matches nothing', async () => {
    const data = json('[{"one": [{"two": [3]}]}]')
    const selector = json('{"R": {"l": {"depth": 4}, ":>": {"a": {">": {"@": {}}}}}}')
    assert.deepEqual(await visits(data, selector), lines(`
{"path": "", "node": {"list": null}, "matched": false}
{"path": "0", "node": {"map": null}, "matched": false}
{"path": "0/one", "node": {"list": null}, "matched": false}
{"path": "0/one/0", "node": {"map": null}, "matched": false}`))
  })
})

describe('selector-fixtures-recursion', () => {
  it('recursion-with-immediate-edge: parses, and visits only the root', async () => {
    const selector = json('{"R": {"l": {"none": {}}, ":>": {"@": {}}}}')
    assert.deepEqual(await visits(json('[0]'), selector, { allowRecursionNone: true }),
      lines('{"path": "", "node": {"list": null}, "matched": false}'))
  })
})

describe('selector-fixtures-adl', () => {
  it('adl-interpreted: InterpretAs is a valid selector this implementation does not run', () => {
    const selector = json('{"~": {"as": "unixfs", ">": {".": {"subset": {"[": 256, "]": 768}}}}}')
    assert.throws(() => parseSelector(selector), { name: 'UnsupportedSelectorError', feature: 'interpret_as' })
  })
})
