/**
 * The parsed selector: a discriminated union mirroring the IPLD selector schema
 * (ipld/ipld specs/selectors). Produced only by `parseSelector`, frozen, and never mutated.
 */

/** An IPLD integer: `number` when safe, `bigint` beyond 2^53 (as @ipld/dag-cbor decodes it). */
export type IpldInt = number | bigint

/** Matcher `.`: marks the node as matched; `subset` [from, to) narrows strings and bytes. */
export interface MatcherSelector {
  readonly kind: 'matcher'
  readonly label?: string
  readonly subset?: { readonly from: IpldInt, readonly to: IpldInt }
}

/** ExploreAll `a`: every map entry or list item, with `next`. */
export interface ExploreAllSelector {
  readonly kind: 'all'
  readonly next: Selector
}

/** ExploreFields `f`: the named fields, in the selector's order. */
export interface ExploreFieldsSelector {
  readonly kind: 'fields'
  readonly fields: ReadonlyMap<string, Selector>
}

/** ExploreIndex `i`: one list index. */
export interface ExploreIndexSelector {
  readonly kind: 'index'
  readonly index: IpldInt
  readonly next: Selector
}

/** ExploreRange `r`: list indices in [start, end). */
export interface ExploreRangeSelector {
  readonly kind: 'range'
  readonly start: IpldInt
  readonly end: IpldInt
  readonly next: Selector
}

/** ExploreRecursive `R`: applies `sequence` again at each edge, up to `limit`. */
export interface ExploreRecursiveSelector {
  readonly kind: 'recursive'
  readonly limit: RecursionLimit
  readonly sequence: Selector
}

/** RecursionLimit: a depth, or `none` (only when the parse options allow it). */
export type RecursionLimit = { readonly kind: 'depth', readonly depth: number } | { readonly kind: 'none' }

/** ExploreRecursiveEdge `@`: where the nearest enclosing ExploreRecursive starts over. */
export interface ExploreRecursiveEdgeSelector {
  readonly kind: 'edge'
}

/** ExploreUnion `|`: several selectors over the same data; matched if any member matches. */
export interface ExploreUnionSelector {
  readonly kind: 'union'
  readonly members: readonly Selector[]
}

/** A parsed, validated selector (conditions and InterpretAs are rejected as unsupported). */
export type Selector =
  | MatcherSelector
  | ExploreAllSelector
  | ExploreFieldsSelector
  | ExploreIndexSelector
  | ExploreRangeSelector
  | ExploreRecursiveSelector
  | ExploreRecursiveEdgeSelector
  | ExploreUnionSelector

/** One step of a walk: where (`/`-joined segments, root `""`), what, and whether it matched. */
export interface SelectorVisit {
  readonly path: string
  readonly node: unknown
  readonly matched: boolean
}
