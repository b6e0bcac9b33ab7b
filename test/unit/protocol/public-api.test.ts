// Proves the stable names of DESIGN.md §6 are exported from the package's `./protocol` entry, as
// the acceptance tests outside the repo import them (through the package name, not a file path).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

const DESIGN_FUNCTIONS = [
  'parseSelector', 'walkSelector',
  'encodeGraphsyncMessage', 'decodeGraphsyncMessage',
  'parseTauAddress', 'formatTauAddress', 'tauAddressFromPublicKey', 'signTau', 'verifyTau'
]

describe('tau-relay/protocol public API', () => {
  it('exports every DESIGN.md §6 function by name', async () => {
    const api = await import('tau-relay/protocol') as Record<string, unknown>
    for (const name of DESIGN_FUNCTIONS) {
      assert.equal(typeof api[name], 'function', `${name} is exported`)
    }
  })

  it('exports the typed error classes by name', async () => {
    const api = await import('tau-relay/protocol') as Record<string, unknown>
    for (const name of ['MalformedMessageError', 'InvalidSignatureError', 'InvalidTauAddressError', 'BlockNotFoundError', 'MalformedHamtNodeError']) {
      const ctor = api[name] as { name?: string } | undefined
      assert.equal(ctor?.name, name)
    }
  })
})
