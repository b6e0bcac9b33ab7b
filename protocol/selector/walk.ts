/**
 * `walkSelector`: runs a selector over IPLD data like go-ipld-prime's `traversal.WalkAdv`, as an
 * async generator of every visited node in pre-order (depth first, children in the order the
 * selector explores them). Links are transparent: when the walk steps onto a CID it awaits
 * `load(cid)` and visits the loaded node at the same path, so `load` is called exactly in the
 * order the walk needs blocks (the relay checks incoming graphsync blocks against that order).
 */
import type { CID } from 'multiformats/cid'
import { BlockNotFoundError, SelectorLimitError } from '../errors.js'
import { kindOf, lookup } from './data-model.js'
import type { NodeKind, Segment } from './data-model.js'
import { allSegments, decide, explore, interests, match } from './explore.js'
import type { State } from './explore.js'
import { DEFAULT_MAX_NODES_VISITED } from './limits.js'
import type { WalkLimits } from './limits.js'
import { isParsedSelector, parseSelector } from './parse.js'
import type { Selector, SelectorVisit } from './types.js'

/** Loads the block a link points to and returns its decoded root node. */
export type SelectorBlockLoader = (cid: CID) => Promise<unknown>

/** Options of `walkSelector`: the injected loader and the walk (and parse) limits. */
export interface WalkSelectorOptions extends WalkLimits {
  /** Resolves a link the walk steps onto; `undefined` is a `BlockNotFoundError`. */
  load: SelectorBlockLoader
}

/** A map or list whose children the walk is going through. */
interface Frame {
  readonly node: unknown
  readonly kind: NodeKind
  readonly state: State
  readonly path: string
  readonly segments: Iterator<Segment>
}

/**
 * Walks `node` with `selector`, yielding `{path, node, matched}` for every visited node. A selector
 * not made by `parseSelector` is parsed first with the same options. Throws
 * `SelectorLimitError('nodes')` past `maxNodesVisited`, and whatever `load` throws.
 */
export async function * walkSelector (node: unknown, selector: Selector, options: WalkSelectorOptions): AsyncGenerator<SelectorVisit, void, undefined> {
  const root: State = isParsedSelector(selector) ? selector : parseSelector(selector, options)
  const maxNodesVisited = options.maxNodesVisited ?? DEFAULT_MAX_NODES_VISITED
  const stack: Frame[] = []
  let visited = 0

  const resolve = async (value: unknown): Promise<unknown> => {
    if (kindOf(value) !== 'link') return value
    const cid = value as CID
    const loaded = await options.load(cid)
    if (loaded === undefined) throw new BlockNotFoundError(cid.toString())
    return loaded
  }

  // Decide (and Match) on arrival, then queue the node's children: the step of go's walkAdv.
  const arrive = (value: unknown, state: State, path: string): SelectorVisit => {
    if (++visited > maxNodesVisited) throw new SelectorLimitError('nodes', maxNodesVisited)
    const kind = kindOf(value)
    if (kind === 'map' || kind === 'list') {
      const segments = interests(state, value, kind) ?? allSegments(value, kind)
      stack.push({ node: value, kind, state, path, segments: segments[Symbol.iterator]() })
    }
    const matched = decide(state) ? match(state, value) : undefined
    return matched === undefined ? { path, node: value, matched: false } : { path, node: matched.node, matched: true }
  }

  yield arrive(await resolve(node), root, '')
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    const step = frame.segments.next()
    if (step.done === true) {
      stack.pop()
      continue
    }
    const child = lookup(frame.node, frame.kind, step.value)
    if (child === undefined) continue
    const next = explore(frame.state, frame.node, frame.kind, step.value)
    if (next === null) continue
    const path = frame.path === '' ? String(step.value) : `${frame.path}/${step.value}`
    yield arrive(await resolve(child.value), next, path)
  }
}
