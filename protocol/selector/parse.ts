/**
 * `parseSelector`: an IPLD selector node (the serial form of ipld/ipld specs/selectors, single-
 * letter keys) → a frozen, validated `Selector`. Strict like a schema decoder: every keyed union
 * has exactly one key, structs have no unknown fields, integers are integers. Bad input is an
 * `InvalidSelectorError` naming the path in the selector; conditions and InterpretAs are valid but
 * not run here (`UnsupportedSelectorError`); oversized selectors are `SelectorLimitError`s.
 */
import { InvalidSelectorError, SelectorLimitError, UnsupportedSelectorError } from '../errors.js'
import {
  DEFAULT_ALLOW_RECURSION_NONE, DEFAULT_MAX_RECURSION_DEPTH, DEFAULT_MAX_SELECTOR_NESTING,
  DEFAULT_MAX_SELECTOR_NODES
} from './limits.js'
import type { ParseSelectorOptions } from './limits.js'
import type { IpldInt, MatcherSelector, RecursionLimit, Selector } from './types.js'

type Fields = Record<string, unknown>

interface ParseContext {
  readonly maxRecursionDepth: number
  readonly allowRecursionNone: boolean
  readonly maxSelectorNodes: number
  readonly maxSelectorNesting: number
  nodes: number
  /** Edge counts of the enclosing ExploreRecursive clauses, innermost last. */
  readonly recursions: number[]
}

/** Selectors made by `parseSelector`: the walker runs only these (anything else is re-parsed). */
const parsed = new WeakSet<object>()

/** Whether `value` is a selector returned by `parseSelector` (and so already validated). */
export function isParsedSelector (value: unknown): value is Selector {
  return typeof value === 'object' && value !== null && parsed.has(value)
}

/** Parses and validates an IPLD selector node; throws typed selector errors, never anything else. */
export function parseSelector (node: unknown, options: ParseSelectorOptions = {}): Selector {
  const ctx: ParseContext = {
    maxRecursionDepth: options.maxRecursionDepth ?? DEFAULT_MAX_RECURSION_DEPTH,
    allowRecursionNone: options.allowRecursionNone ?? DEFAULT_ALLOW_RECURSION_NONE,
    maxSelectorNodes: options.maxSelectorNodes ?? DEFAULT_MAX_SELECTOR_NODES,
    maxSelectorNesting: options.maxSelectorNesting ?? DEFAULT_MAX_SELECTOR_NESTING,
    nodes: 0,
    recursions: []
  }
  return parseClause(node, '', 1, ctx)
}

function parseClause (node: unknown, path: string, nesting: number, ctx: ParseContext): Selector {
  if (nesting > ctx.maxSelectorNesting) throw new SelectorLimitError('nesting', ctx.maxSelectorNesting)
  if (++ctx.nodes > ctx.maxSelectorNodes) throw new SelectorLimitError('size', ctx.maxSelectorNodes)
  const [key, body] = keyedUnion(node, path, 'selector')
  // every clause is marked, so a walk may start from any sub-selector of a parsed one
  const selector = parseKind(key, body, path, nesting, ctx)
  parsed.add(selector)
  return selector
}

function parseKind (key: string, body: unknown, path: string, nesting: number, ctx: ParseContext): Selector {
  const at = join(path, key)
  const child = (value: unknown, field: string): Selector => parseClause(value, join(at, field), nesting + 1, ctx)
  switch (key) {
    case '.': return parseMatcher(body, at)
    case 'a': {
      const f = struct(body, at, ['>'])
      return Object.freeze({ kind: 'all', next: child(f['>'], '>') })
    }
    case 'f': {
      const f = struct(body, at, ['f>'])
      const names = asMap(f['f>'], join(at, 'f>'), 'ExploreFields fields')
      // Object.keys keeps the selector's serial order (fixture "explore-fields"); see README.
      const fields = new Map<string, Selector>()
      for (const name of Object.keys(names)) fields.set(name, child(names[name], `f>/${name}`))
      return Object.freeze({ kind: 'fields', fields })
    }
    case 'i': {
      const f = struct(body, at, ['i', '>'])
      const index = nonNegativeInt(f.i, join(at, 'i'))
      return Object.freeze({ kind: 'index', index, next: child(f['>'], '>') })
    }
    case 'r': {
      const f = struct(body, at, ['^', '$', '>'])
      const start = nonNegativeInt(f['^'], join(at, '^'))
      const end = nonNegativeInt(f.$, join(at, '$'))
      // go-ipld-prime rejects an empty range too (start >= end), so peers agree on validity.
      if (start >= end) throw new InvalidSelectorError(at, 'ExploreRange start must be less than end')
      return Object.freeze({ kind: 'range', start, end, next: child(f['>'], '>') })
    }
    case 'R': return parseRecursive(body, at, child, ctx)
    case '@': {
      struct(body, at, [])
      const enclosing = ctx.recursions.length - 1
      if (enclosing < 0) throw new InvalidSelectorError(at, 'ExploreRecursiveEdge outside ExploreRecursive')
      ctx.recursions[enclosing]++
      return Object.freeze({ kind: 'edge' })
    }
    case '|': {
      if (!Array.isArray(body)) throw new InvalidSelectorError(at, 'ExploreUnion must be a list')
      if (body.length === 0) throw new InvalidSelectorError(at, 'ExploreUnion must not be empty')
      const members = body.map((member: unknown, i) => child(member, String(i)))
      return Object.freeze({ kind: 'union', members: Object.freeze(members) })
    }
    case '&':
      asMap(body, at, 'ExploreConditional')
      throw new UnsupportedSelectorError('condition')
    case '~': {
      const f = struct(body, at, ['as', '>'])
      if (typeof f.as !== 'string') throw new InvalidSelectorError(join(at, 'as'), 'InterpretAs "as" must be a string')
      throw new UnsupportedSelectorError('interpret_as')
    }
    default:
      throw new InvalidSelectorError(path, `unknown selector kind ${JSON.stringify(key)}`)
  }
}

function parseMatcher (body: unknown, at: string): MatcherSelector {
  const f = struct(body, at, [], ['subset', 'label', 'onlyIf'])
  if ('onlyIf' in f) throw new UnsupportedSelectorError('condition')
  let label: string | undefined
  if ('label' in f) {
    if (typeof f.label !== 'string') throw new InvalidSelectorError(join(at, 'label'), 'Matcher label must be a string')
    label = f.label
  }
  let subset: MatcherSelector['subset']
  if ('subset' in f) {
    const subsetAt = join(at, 'subset')
    const s = struct(f.subset, subsetAt, ['[', ']'])
    const from = int(s['['], join(subsetAt, '['))
    const to = int(s[']'], join(subsetAt, ']'))
    // Negative values count from the end (spec); only same-sign pairs can be known empty here.
    if ((from < 0) === (to < 0) && from > to) throw new InvalidSelectorError(subsetAt, 'Slice "[" must not exceed "]"')
    subset = Object.freeze({ from, to })
  }
  return Object.freeze({ kind: 'matcher', ...(label === undefined ? {} : { label }), ...(subset === undefined ? {} : { subset }) })
}

function parseRecursive (body: unknown, at: string, child: (value: unknown, field: string) => Selector, ctx: ParseContext): Selector {
  const f = struct(body, at, ['l', ':>'], ['!'])
  const limit = parseLimit(f.l, join(at, 'l'), ctx)
  if ('!' in f) throw new UnsupportedSelectorError('condition')
  ctx.recursions.push(0)
  const sequence = child(f[':>'], ':>')
  // Spec: a sequence with no edge is nonsensical (go-ipld-prime rejects it as well).
  if (ctx.recursions.pop() === 0) throw new InvalidSelectorError(join(at, ':>'), 'ExploreRecursive sequence has no ExploreRecursiveEdge')
  return Object.freeze({ kind: 'recursive', limit, sequence })
}

function parseLimit (node: unknown, at: string, ctx: ParseContext): RecursionLimit {
  const [key, body] = keyedUnion(node, at, 'RecursionLimit')
  if (key === 'none') {
    struct(body, join(at, 'none'), [])
    // `max` tells the requester the depth it may ask for instead
    if (!ctx.allowRecursionNone) throw new SelectorLimitError('recursion_none', ctx.maxRecursionDepth)
    return Object.freeze({ kind: 'none' })
  }
  if (key !== 'depth') throw new InvalidSelectorError(at, `unknown recursion limit ${JSON.stringify(key)}`)
  const depth = nonNegativeInt(body, join(at, 'depth'))
  if (depth > ctx.maxRecursionDepth) throw new SelectorLimitError('depth', ctx.maxRecursionDepth)
  return Object.freeze({ kind: 'depth', depth: Number(depth) })
}

/** A keyed union: a map with exactly one entry; returns [key, value]. */
function keyedUnion (node: unknown, path: string, what: string): [string, unknown] {
  const map = asMap(node, path, what)
  const keys = Object.keys(map)
  if (keys.length !== 1) throw new InvalidSelectorError(path, `${what} must be a map with exactly one key`)
  const key = keys[0]
  return [key, map[key]]
}

/** A struct: a map with every `required` field, any of `optional`, and nothing else. */
function struct (node: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Fields {
  const map = asMap(node, path, 'selector body')
  for (const key of Object.keys(map)) {
    if (!required.includes(key) && !optional.includes(key)) throw new InvalidSelectorError(join(path, key), 'unknown field')
  }
  for (const key of required) {
    if (!Object.hasOwn(map, key)) throw new InvalidSelectorError(join(path, key), 'missing field')
  }
  return map
}

/** An IPLD map as decoded by @ipld/dag-cbor or dag-json: a plain object (not a list, bytes or CID). */
function asMap (node: unknown, path: string, what: string): Fields {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new InvalidSelectorError(path, `${what} must be a map`)
  const proto: unknown = Object.getPrototypeOf(node)
  if (proto !== Object.prototype && proto !== null) throw new InvalidSelectorError(path, `${what} must be a map`)
  return node as Fields
}

function int (value: unknown, path: string): IpldInt {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value
  throw new InvalidSelectorError(path, 'expected an integer')
}

function nonNegativeInt (value: unknown, path: string): IpldInt {
  const n = int(value, path)
  if (n < 0) throw new InvalidSelectorError(path, 'expected a non-negative integer')
  return n
}

function join (path: string, segment: string): string {
  return path === '' ? segment : `${path}/${segment}`
}
