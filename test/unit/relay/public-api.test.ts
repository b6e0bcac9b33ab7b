// Proves the package's main entry (`tau-relay`) exports the relay and the client toolkit by name,
// as apps and the acceptance tests import them through the package name.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

const FUNCTIONS = ['startRelay', 'createRelayNode', 'loadConfig', 'relaySync', 'graphsync', 'startTargetPeer',
  'futureStateService', 'requestFutureState', 'fetchPolicy', 'fetchRelayPolicy', 'verifyReceiptFile', 'loadCarFiles']
const CLASSES = ['Relay', 'RelaySyncClient', 'RelaySyncService', 'GraphsyncService', 'FutureStateService']

describe('tau-relay public API', () => {
  it('exports the relay, graphsync and the requester and target toolkits', async () => {
    const api = await import('tau-relay') as Record<string, unknown>
    for (const name of [...FUNCTIONS, ...CLASSES]) assert.equal(typeof api[name], 'function', `${name} is exported`)
    assert.equal(typeof api.EXPLORE_ALL_SELECTOR, 'object')
  })

  it('installs the Node 20 runtime shim on import', async () => {
    await import('tau-relay')
    assert.equal(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers, 'function')
    assert.equal(typeof (globalThis as { WebSocket?: unknown }).WebSocket, 'function')
  })
})
