/**
 * From a parsed `Selector` back to its IPLD node form, and measures of a selector the relay
 * checks against its policy (`selector_too_deep`).
 */
import type { Selector } from './types.js'

/**
 * The IPLD node form of a parsed selector (single-letter keys). `parseSelector(encodeSelector(s))`
 * gives back an equal selector; fields keep their order, integers keep their values.
 */
export function encodeSelector (selector: Selector): Record<string, unknown> {
  switch (selector.kind) {
    case 'matcher': {
      const body: Record<string, unknown> = {}
      if (selector.label !== undefined) body.label = selector.label
      if (selector.subset !== undefined) body.subset = { '[': selector.subset.from, ']': selector.subset.to }
      return { '.': body }
    }
    case 'all': return { a: { '>': encodeSelector(selector.next) } }
    case 'fields': {
      const fields = Object.fromEntries([...selector.fields].map(([name, next]) => [name, encodeSelector(next)]))
      return { f: { 'f>': fields } }
    }
    case 'index': return { i: { i: selector.index, '>': encodeSelector(selector.next) } }
    case 'range': return { r: { '^': selector.start, $: selector.end, '>': encodeSelector(selector.next) } }
    case 'recursive': {
      const l = selector.limit.kind === 'none' ? { none: {} } : { depth: selector.limit.depth }
      return { R: { l, ':>': encodeSelector(selector.sequence) } }
    }
    case 'edge': return { '@': {} }
    case 'union': return { '|': selector.members.map(encodeSelector) }
  }
}

/**
 * The largest ExploreRecursive depth limit in the selector (`Infinity` for `none`, 0 without
 * recursion): what go-graphsync's `maxRecursionDepth` and the policy's `maxSelectorDepth` bound.
 */
export function selectorDepth (selector: Selector): number {
  const children = childrenOf(selector)
  const own = selector.kind !== 'recursive' ? 0 : selector.limit.kind === 'none' ? Infinity : selector.limit.depth
  return children.reduce((max, child) => Math.max(max, selectorDepth(child)), own)
}

/** The number of selector clauses (what `maxSelectorNodes` bounds). */
export function selectorSize (selector: Selector): number {
  return childrenOf(selector).reduce((sum, child) => sum + selectorSize(child), 1)
}

function childrenOf (selector: Selector): readonly Selector[] {
  switch (selector.kind) {
    case 'all': case 'index': case 'range': return [selector.next]
    case 'fields': return [...selector.fields.values()]
    case 'recursive': return [selector.sequence]
    case 'union': return selector.members
    default: return []
  }
}
