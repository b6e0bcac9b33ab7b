/**
 * The selector state machine of one walk step, with go-ipld-prime's semantics
 * (traversal/selector: Interests, Explore, Decide, Match): for the node at hand, which child
 * segments to look at, which state continues into each child, and whether the node matches.
 * ExploreRecursive runs as a wrapper state that remembers its sequence and remaining depth.
 */
import { kindOf, mapKeys, sliceNode } from './data-model.js'
import type { NodeKind, Segment } from './data-model.js'
import type { RecursionLimit, Selector } from './types.js'

/** An ExploreRecursive in progress: `current` is where in `sequence` the walk is now. */
interface Recursing {
  readonly kind: 'recursing'
  readonly sequence: Selector
  readonly current: State
  readonly limit: RecursionLimit
}

/** A union built while exploring; its members may be recursions in progress. */
interface ExploringUnion {
  readonly kind: 'union'
  readonly members: readonly State[]
}

/** What the walk carries to each node: a parsed selector or a state derived from one. */
export type State = Selector | Recursing | ExploringUnion

/** Decide: whether the node reached with this state is matched (a Matcher at this position). */
export function decide (state: State): boolean {
  switch (state.kind) {
    case 'matcher': return true
    case 'union': return state.members.some(decide)
    case 'recursive': return decide(state.sequence)
    case 'recursing': return decide(state.current)
    default: return false
  }
}

/**
 * Match: the node to report for a matched node — the Matcher subset when one applies — or
 * `undefined` when the subset does not match. The first member that decides wins in a union.
 */
export function match (state: State, node: unknown): { node: unknown } | undefined {
  switch (state.kind) {
    case 'matcher': {
      if (state.subset === undefined) return { node }
      const slice = sliceNode(node, kindOf(node), state.subset.from, state.subset.to)
      return slice === undefined ? undefined : { node: slice }
    }
    case 'union': {
      const member = state.members.find(decide)
      return member === undefined ? undefined : match(member, node)
    }
    case 'recursive': return match(state.sequence, node)
    case 'recursing': return match(state.current, node)
    default: return undefined
  }
}

/**
 * Interests: the child segments to explore, in order, or `null` for every child (map keys in
 * canonical order, list items by index). Like go-ipld-prime, a union concatenates its members'
 * interests without removing duplicates, unless one member wants every child.
 */
export function interests (state: State, node: unknown, kind: NodeKind): Iterable<Segment> | null {
  switch (state.kind) {
    case 'all': return null
    case 'fields': return state.fields.keys()
    case 'index': return typeof state.index === 'number' ? [state.index] : []
    case 'range': return kind === 'list' ? indices(state.start, state.end, (node as unknown[]).length) : []
    case 'recursive': return interests(state.sequence, node, kind)
    case 'recursing': return interests(state.current, node, kind)
    case 'union': {
      const each = state.members.map((member) => interests(member, node, kind))
      if (each.some((segments) => segments === null)) return null
      return concat(each as Array<Iterable<Segment>>)
    }
    default: return []
  }
}

/** Every child segment of a map or list, for states whose interests are `null`. */
export function allSegments (node: unknown, kind: NodeKind): Iterable<Segment> {
  return kind === 'list' ? indices(0, Number.MAX_SAFE_INTEGER, (node as unknown[]).length) : mapKeys(node as object)
}

/** Explore: the state for the child at `segment` of `node`, or `null` to not go there. */
export function explore (state: State, node: unknown, kind: NodeKind, segment: Segment): State | null {
  switch (state.kind) {
    case 'all': return state.next
    case 'fields': return state.fields.get(String(segment)) ?? null
    case 'index': return kind === 'list' && segment === state.index ? state.next : null
    case 'range':
      return kind === 'list' && typeof segment === 'number' && segment >= state.start && segment < state.end ? state.next : null
    case 'union': return unionOf(state.members.map((member) => explore(member, node, kind, segment)))
    case 'recursive': return exploreRecursing({ kind: 'recursing', sequence: state.sequence, current: state.sequence, limit: state.limit }, node, kind, segment)
    case 'recursing': return exploreRecursing(state, node, kind, segment)
    default: return null // matcher and edge are terminal
  }
}

function exploreRecursing (state: Recursing, node: unknown, kind: NodeKind, segment: Segment): State | null {
  // A sequence that is only an edge goes nowhere (fixture "recursion-with-immediate-edge").
  if (state.current.kind === 'edge') return null
  const next = explore(state.current, node, kind, segment)
  if (next === null) return null
  if (!hasEdge(next)) return { ...state, current: next }
  const { limit } = state
  if (limit.kind === 'none') return { ...state, current: replaceEdges(next, state.sequence) ?? next }
  // Depth n applies the sequence n times: at depth 1 the edges are cut (go-ipld-prime `< 2`).
  if (limit.depth < 2) return replaceEdges(next, null)
  const current = replaceEdges(next, state.sequence)
  return current === null ? null : { ...state, current, limit: { kind: 'depth', depth: limit.depth - 1 } }
}

/** Whether the state is an edge, or a union with an edge among its members (at any union depth). */
function hasEdge (state: State): boolean {
  if (state.kind === 'edge') return true
  return state.kind === 'union' && state.members.some(hasEdge)
}

/** The state with its top-level edges replaced (`null` drops them), as go-ipld-prime does. */
function replaceEdges (state: State, replacement: Selector | null): State | null {
  if (state.kind === 'edge') return replacement
  if (state.kind !== 'union') return state
  return unionOf(state.members.map((member) => replaceEdges(member, replacement)))
}

function unionOf (states: ReadonlyArray<State | null>): State | null {
  const members = states.filter((state): state is State => state !== null)
  if (members.length === 0) return null
  return members.length === 1 ? members[0] : { kind: 'union', members }
}

function * indices (start: number | bigint, end: number | bigint, length: number): Iterable<number> {
  const stop = end < length ? Number(end) : length
  for (let i = Number(start); i < stop; i++) yield i
}

function * concat (iterables: Array<Iterable<Segment>>): Iterable<Segment> {
  for (const iterable of iterables) yield * iterable
}
