// Proves, on random input, that parseSelector fails only with the three typed selector errors
// (never a crash), that whatever it accepts round-trips through encodeSelector, and that walking an
// accepted selector over random IPLD data yields a well-formed pre-order walk or a typed error.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { InvalidSelectorError, SelectorLimitError, UnsupportedSelectorError } from '../../../../protocol/errors.js'
import { encodeSelector } from '../../../../protocol/selector/encode.js'
import { parseSelector } from '../../../../protocol/selector/parse.js'
import { walkSelector } from '../../../../protocol/selector/walk.js'
import type { Selector } from '../../../../protocol/selector/types.js'

const LINK = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
const KEYS = ['.', 'a', 'f', 'i', 'r', 'R', '@', '|', '&', '~', '>', 'f>', '^', '$', 'l', ':>', '!', 'depth', 'none', 'subset', '[', ']', 'label', 'as', 'onlyIf']

const int = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -3, max: 12 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) }
)

/** IPLD data model values (as @ipld/dag-cbor decodes them), map keys biased to selector keys. */
const { ipld } = fc.letrec((tie) => ({
  ipld: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), int, fc.double(), fc.string({ maxLength: 6 }),
    fc.uint8Array({ maxLength: 6 }), fc.constant(LINK),
    fc.array(tie('ipld'), { maxLength: 4 }),
    // keys neither empty nor with '/', so a visit's parent path is the path up to its last '/'
    // (the `/`-joined path form, like go-ipld-prime's Path.String(), cannot tell those apart)
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ minLength: 1, maxLength: 3 }).filter((k) => !k.includes('/'))), tie('ipld'), { maxKeys: 4 })
  )
}))

/** Selector-shaped maps with the real keys: mostly valid, sometimes subtly not. */
const { sel } = fc.letrec((tie) => ({
  sel: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ '.': {} }),
    fc.record({ '.': fc.record({ subset: fc.record({ '[': int, ']': int }), label: fc.string({ maxLength: 3 }) }, { requiredKeys: [] }) }),
    fc.record({ a: fc.record({ '>': tie('sel') }) }),
    fc.record({ f: fc.record({ 'f>': fc.dictionary(fc.string({ maxLength: 3 }), tie('sel'), { maxKeys: 3 }) }) }),
    fc.record({ i: fc.record({ i: int, '>': tie('sel') }) }),
    fc.record({ r: fc.record({ '^': int, $: int, '>': tie('sel') }) }),
    fc.record({ R: fc.record({ l: fc.oneof(fc.record({ depth: fc.integer({ min: -1, max: 120 }) }), fc.constant({ none: {} })), ':>': tie('sel') }) }),
    fc.constant({ '@': {} }),
    fc.record({ '|': fc.array(tie('sel'), { maxLength: 3 }) }),
    fc.record({ '&': fc.record({ '&': ipld, '>': tie('sel') }) }),
    fc.record({ '~': fc.record({ as: fc.string({ maxLength: 3 }), '>': tie('sel') }) }),
    fc.record({ R: fc.record({ l: fc.record({ depth: fc.nat(5) }), ':>': tie('sel'), '!': ipld }) }),
    ipld
  )
}))

const anything = fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true })

const isSelectorError = (err: unknown): boolean =>
  err instanceof InvalidSelectorError || err instanceof UnsupportedSelectorError || err instanceof SelectorLimitError

/** Parses, returning the selector or `undefined` for a typed selector error (anything else fails). */
function tryParse (node: unknown): Selector | undefined {
  try {
    return parseSelector(node)
  } catch (err) {
    assert.ok(isSelectorError(err), `unexpected ${String(err)}`)
    return undefined
  }
}

describe('parseSelector on random input', () => {
  it('throws only InvalidSelectorError, UnsupportedSelectorError or SelectorLimitError', () => {
    let accepted = 0
    fc.assert(fc.property(fc.oneof(sel, ipld, anything), (node) => {
      const selector = tryParse(node)
      if (selector === undefined) return
      accepted++
      assert.deepEqual(parseSelector(encodeSelector(selector)), selector)
    }), { numRuns: 3000 })
    assert.ok(accepted > 100, `only ${accepted} random selectors were valid: the property would be vacuous`)
  })

  it('walks accepted selectors over random data as a pre-order walk, or fails with a typed error', async () => {
    const load = async (): Promise<unknown> => ({ linked: [1, { x: LINK }] })
    await fc.assert(fc.asyncProperty(sel, ipld, async (node, data) => {
      const selector = tryParse(node)
      if (selector === undefined) return
      const seen = new Set<string>()
      try {
        for await (const visit of walkSelector(data, selector, { load, maxNodesVisited: 2000 })) {
          const parent = visit.path.includes('/') ? visit.path.slice(0, visit.path.lastIndexOf('/')) : ''
          assert.ok(visit.path === '' ? seen.size === 0 : seen.has(parent), `visit ${visit.path} before its parent`)
          seen.add(visit.path)
        }
      } catch (err) {
        assert.ok(err instanceof SelectorLimitError && err.limit === 'nodes', `unexpected ${String(err)}`)
      }
    }), { numRuns: 1000 })
  })
})
