/**
 * Limits of selector parsing and walking. Every limit has a name (the `limit` field of
 * `SelectorLimitError`) and a default with its provenance.
 */

/**
 * Largest `ExploreRecursive` depth limit a selector may ask for. go-graphsync's default
 * (`maxRecursionDepth` 100, DESIGN.md §4.2); the policy's `maxSelectorDepth` may lower it.
 */
export const DEFAULT_MAX_RECURSION_DEPTH = 100

/**
 * Whether `{"l": {"none": {}}}` (recursion with no depth limit) is accepted. go-graphsync rejects
 * it by default (status 30, DESIGN.md §4.2); a walk with no depth limit is bounded only by
 * `maxNodesVisited`.
 */
export const DEFAULT_ALLOW_RECURSION_NONE = false

/**
 * Most selector clauses (each `.`, `a`, `f`, … union member) in one selector. Real selectors
 * (graphsync's "all", unixfs paths) have < 20; 1024 leaves room for long field lists while
 * bounding parse work.
 */
export const DEFAULT_MAX_SELECTOR_NODES = 1024

/**
 * Deepest nesting of selector clauses. Also bounds the parser's own recursion, so a hostile
 * selector cannot overflow the stack; 32 is far above any path-shaped selector in use.
 */
export const DEFAULT_MAX_SELECTOR_NESTING = 32

/**
 * Most nodes one walk may visit (go-ipld-prime's traversal `Budget.NodeBudget` idea). A 1 GiB
 * attachment in ~250 KiB pieces is ~4,100 blocks; 1,000,000 bounds CPU on hostile blocks
 * full of tiny nodes.
 */
export const DEFAULT_MAX_NODES_VISITED = 1_000_000

/** Options of `parseSelector`: each field falls back to its DEFAULT_* constant. */
export interface ParseSelectorOptions {
  /** Largest accepted `ExploreRecursive` depth limit. @default DEFAULT_MAX_RECURSION_DEPTH */
  maxRecursionDepth?: number
  /** Accept recursion with limit `none`. @default DEFAULT_ALLOW_RECURSION_NONE */
  allowRecursionNone?: boolean
  /** Most selector clauses. @default DEFAULT_MAX_SELECTOR_NODES */
  maxSelectorNodes?: number
  /** Deepest clause nesting. @default DEFAULT_MAX_SELECTOR_NESTING */
  maxSelectorNesting?: number
}

/** Options of `walkSelector` beyond `load`; parse options apply when the selector is raw. */
export interface WalkLimits extends ParseSelectorOptions {
  /** Most nodes visited (yielded) by one walk. @default DEFAULT_MAX_NODES_VISITED */
  maxNodesVisited?: number
}
