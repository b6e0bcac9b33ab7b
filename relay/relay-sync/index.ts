/**
 * HamtGraphRelaySync on the relay (DESIGN.md §4.1): the libp2p service factory. Register it next
 * to graphsync: `services: { graphsync: graphsync(), relaySync: relaySync({ ledger, transferLog,
 * policyStore, db, metrics, logger }) }`; it finds the node's `graphsync` service when started.
 */
import { RelaySyncService } from './service.js'
import type { GraphsyncRequester } from './forward.js'
import type { RelaySyncComponents, RelaySyncDeps, RelaySyncInit } from './types.js'

/** Creates the libp2p service factory of the relay-sync handler. */
export function relaySync (deps: RelaySyncDeps, init: RelaySyncInit = {}): (components: RelaySyncComponents) => RelaySyncService {
  return (components) => {
    const { logger: eventLogger, graphsync, ...rest } = deps
    return new RelaySyncService({
      registrar: components.registrar,
      connectionManager: components.connectionManager,
      logger: components.logger,
      ...rest,
      eventLogger,
      // libp2p's components proxy resolves other services by name; read it only when started
      graphsync: graphsync ?? lazyGraphsync(components)
    }, init)
  }
}

function lazyGraphsync (components: RelaySyncComponents): GraphsyncRequester {
  return {
    request: (...args) => (components as unknown as { graphsync: GraphsyncRequester }).graphsync.request(...args)
  }
}

export { RelaySyncService }
export type { RelaySyncComponents, RelaySyncDeps, RelaySyncInit } from './types.js'
