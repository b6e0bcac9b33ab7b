/**
 * Proves the `attachment get --route` syntax: libp2p's circuit form `<relay>/p2p-circuit/p2p/<peer>`
 * and `<relay>@<peer>` name the same route; a relay address without its peer id, a bad peer id or
 * neither form is a CliUsageError (exit 2); the report's JSON writes bigints as decimal strings.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRoute, reportJson } from '../../../../relay/cli/attachment-get.js'

const RELAY = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAjKVj7Z3oTQbvTZnKDYZKfbQ5p5MWefvneeZzjAVPSDe'
const PEER = '12D3KooWBMmqUtcyHzawfmDxJRtV8x5X32tjRPuwPK5URjXnonbW'

describe('attachment get routes', () => {
  it('reads the circuit form and the @ form alike', () => {
    for (const text of [`${RELAY}/p2p-circuit/p2p/${PEER}`, `${RELAY}@${PEER}`]) {
      const route = parseRoute(text)
      assert.equal(route.relay.toString(), RELAY)
      assert.equal(route.peer.toString(), PEER)
    }
  })

  it('refuses malformed routes with a usage error', () => {
    for (const text of [RELAY, `/ip4/127.0.0.1/tcp/4001@${PEER}`, `${RELAY}@notapeer`, 'nonsense@' + PEER]) {
      assert.throws(() => parseRoute(text), { name: 'CliUsageError' }, text)
    }
  })

  it('writes bigints of the report as decimal strings', () => {
    const json = reportJson({
      root: 'r',
      pieces: 1,
      complete: true,
      resumedPieces: 0,
      fetchedPieces: 1,
      bytes: 10,
      charge: 12n,
      chargeUpperBound: 12n,
      elapsedMs: 5,
      routes: [{ relay: RELAY, peer: PEER, pieces: 1, bytes: 10, charge: 12n, unreceiptedHolds: 0n, receipts: [], syncs: 1, failures: 0, slowReissues: 0, dropped: false }]
    })
    assert.doesNotThrow(() => JSON.stringify(json))
    assert.equal(json.charge, '12')
    assert.equal((json.routes as Array<{ charge: string }>)[0].charge, '12')
  })
})
