// Proves the stable names of DESIGN.md §6 are exported from the package's `./protocol` entry, as
// the acceptance tests outside the repo import them (through the package name, not a file path).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

const DESIGN_FUNCTIONS = [
  'parseSelector', 'walkSelector',
  'encodeGraphsyncMessage', 'decodeGraphsyncMessage',
  'parseTauAddress', 'formatTauAddress', 'tauAddressFromPublicKey', 'signTau', 'verifyTau',
  'proveHamtKey', 'verifyHamtProof'
]

describe('tau-relay/protocol public API', () => {
  it('exports every DESIGN.md §6 function by name', async () => {
    const api = await import('tau-relay/protocol') as Record<string, unknown>
    for (const name of DESIGN_FUNCTIONS) {
      assert.equal(typeof api[name], 'function', `${name} is exported`)
    }
  })

  it('exports Hamt and MemoryBlockStore with the DESIGN.md §6 shape', async () => {
    const api = await import('tau-relay/protocol')
    const store = new api.MemoryBlockStore()
    const hamt = await api.Hamt.create(store)
    await hamt.set(new Uint8Array([1]), 'one')
    assert.equal(await hamt.get(new Uint8Array([1])), 'one')
    assert.equal(await hamt.has(new Uint8Array([2])), false)
    assert.equal(await hamt.delete(new Uint8Array([1])), true)
    assert.equal((await hamt.flush()).toString(), 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
    const reloaded = await api.Hamt.load(store, await hamt.flush())
    const entries = []
    for await (const entry of reloaded.entries()) entries.push(entry)
    assert.deepEqual(entries, [])
  })

  it('exports the typed error classes by name', async () => {
    const api = await import('tau-relay/protocol') as Record<string, unknown>
    for (const name of ['MalformedMessageError', 'InvalidSignatureError', 'InvalidTauAddressError', 'BlockNotFoundError', 'MalformedHamtNodeError']) {
      const ctor = api[name] as { name?: string } | undefined
      assert.equal(ctor?.name, name)
    }
  })
})
