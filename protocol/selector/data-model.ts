/**
 * The IPLD data model as @ipld/dag-cbor and @ipld/dag-json decode it, seen by the selector walk:
 * node kinds, map key order, child lookup, and Matcher subset slicing.
 */
import { CID } from 'multiformats/cid'
import type { IpldInt } from './types.js'

/** The data model kinds the walk tells apart; everything else is a scalar it never enters. */
export type NodeKind = 'map' | 'list' | 'link' | 'bytes' | 'string' | 'scalar'

/** A path segment: a map key or a list index. */
export type Segment = string | number

const utf8 = new TextEncoder()

/** The kind of a decoded node (a CID instance is a link). */
export function kindOf (node: unknown): NodeKind {
  if (typeof node === 'string') return 'string'
  if (typeof node !== 'object' || node === null) return 'scalar'
  if (node instanceof Uint8Array) return 'bytes'
  if (Array.isArray(node)) return 'list'
  if (CID.asCID(node) !== null) return 'link'
  return 'map'
}

/**
 * The keys of a map in DAG-CBOR canonical order (shorter UTF-8 first, then bytewise): the order a
 * valid dag-cbor block serialises them in, which go-ipld-prime iterates. `Object.keys` cannot be
 * used as is: JS lists integer-like keys ("10") before all others.
 */
export function mapKeys (map: object): string[] {
  const keyed = Object.keys(map).map((key) => ({ key, bytes: utf8.encode(key) }))
  keyed.sort((a, b) => compareBytes(a.bytes, b.bytes))
  return keyed.map(({ key }) => key)
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}

/** A list index written in canonical base 10 (how a string segment names a list item). */
const INDEX = /^(0|[1-9][0-9]*)$/

/**
 * The child of a map or list at `segment`, or `undefined` when there is none. A string segment
 * on a list names an index when it is canonical base 10, as go-ipld-prime's ExploreFields does.
 */
export function lookup (node: unknown, kind: NodeKind, segment: Segment): { value: unknown } | undefined {
  if (kind === 'list') {
    const list = node as unknown[]
    const index = typeof segment === 'number' ? segment : INDEX.test(segment) ? Number(segment) : -1
    return Number.isSafeInteger(index) && index >= 0 && index < list.length ? { value: list[index] } : undefined
  }
  if (kind === 'map') {
    const key = String(segment)
    return Object.hasOwn(node as object, key) ? { value: (node as Record<string, unknown>)[key] } : undefined
  }
  return undefined
}

/**
 * A Matcher subset of a string or bytes node, or `undefined` when it does not match. Spec
 * (Slice in specs/selectors): [from, to) in bytes; negative values count from the end (a `from`
 * before the start becomes 0); a `to` past the end means the end; a range that starts past the
 * end or resolves to from > to fails to match; from == to matches the empty value. Other kinds
 * never match a subset. A string cut inside a UTF-8 sequence is not an IPLD string: no match.
 */
export function sliceNode (node: unknown, kind: NodeKind, from: IpldInt, to: IpldInt): unknown {
  if (kind !== 'string' && kind !== 'bytes') return undefined
  const bytes = kind === 'bytes' ? node as Uint8Array : utf8.encode(node as string)
  const length = bytes.length
  const start = from < 0 ? Math.max(0, length + clamp(from)) : clamp(from)
  const end = to < 0 ? length + clamp(to) : Math.min(length, clamp(to))
  if (start > length || end < 0 || start > end) return undefined
  const slice = bytes.subarray(start, end)
  if (kind === 'bytes') return slice
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(slice)
  } catch {
    return undefined
  }
}

/** A bigint beyond 2^53 as the nearest safe number: no string or list is that long. */
function clamp (value: IpldInt): number {
  if (typeof value === 'number') return value
  return value > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER
}
