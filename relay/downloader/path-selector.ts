/**
 * Selectors of exact paths: a set of paths (lists of field names; list indexes written as
 * decimal strings, which ExploreFields accepts on lists) becomes ONE selector that walks exactly
 * those paths and matches their ends. Paths sharing a prefix share its clauses (a trie of nested
 * ExploreFields), never a union of whole paths: a union would visit a shared node once per
 * member (go-ipld-prime concatenates interests), so the relay would charge shared HAMT nodes again.
 */

/** A path from the root: field names, list indexes as decimal strings. */
export type SelectorPath = readonly string[]

interface Trie {
  end: boolean
  readonly children: Map<string, Trie>
}

const MATCHER = Object.freeze({ '.': Object.freeze({}) })

/** One selector visiting every path of `paths` (and nothing else) and matching where each ends. */
export function exactPathsSelector (paths: Iterable<SelectorPath>): Record<string, unknown> {
  const root: Trie = { end: false, children: new Map() }
  for (const path of paths) {
    let node = root
    for (const segment of path) {
      let child = node.children.get(segment)
      if (child === undefined) {
        child = { end: false, children: new Map() }
        node.children.set(segment, child)
      }
      node = child
    }
    node.end = true
  }
  return toSelector(root)
}

function toSelector (node: Trie): Record<string, unknown> {
  if (node.children.size === 0) return MATCHER
  const fields: Record<string, unknown> = {}
  for (const [segment, child] of node.children) fields[segment] = toSelector(child)
  const explore = { f: { 'f>': fields } }
  // a path ending where another goes on: match here and explore further
  return node.end ? { '|': [MATCHER, explore] } : explore
}
