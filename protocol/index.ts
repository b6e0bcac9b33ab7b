/**
 * Public API of `tau-relay/protocol`: the pure layer (identity, blocks, selectors, HAMT, wire
 * codecs). Names listed in DESIGN.md §6 are stable.
 */
export * from './errors.js'
