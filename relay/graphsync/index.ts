/**
 * Graphsync v2 over libp2p (DESIGN.md §4.2): the service factory and its public types. Register
 * it as a libp2p service, `services: { graphsync: graphsync({ blockStore }) }`, then call
 * `node.services.graphsync.request(peer, root, selector, options)`.
 */
import { GraphsyncService } from './service.js'
import type { GraphsyncComponents, GraphsyncInit } from './types.js'

/** Creates the libp2p service factory of graphsync v2 (requester and responder). */
export function graphsync (init: GraphsyncInit = {}): (components: GraphsyncComponents) => GraphsyncService {
  return (components) => new GraphsyncService(components, init)
}

export { GraphsyncService }
export type {
  GraphsyncBlockStore, GraphsyncComponents, GraphsyncInit, GraphsyncRequestOptions, GraphsyncRequestRun,
  GraphsyncResponderStats, GraphsyncResult
} from './types.js'
