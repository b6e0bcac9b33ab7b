/**
 * Proves every decoder of outside bytes (and of admin JSON bodies) is total and fast under
 * fast-check: arbitrary and mutated inputs either decode or throw a typed project error, each
 * within 50 ms; prints the max and p99 decode time per decoder as one JSON line.
 */
import { after, describe, it } from 'node:test'
import { decodeTargets } from './decode-targets.js'
import { FUZZ_RUNS, fuzzTarget } from './fuzz-harness.js'
import { genuineReceipts } from './genuine-receipt.js'
import type { DecodeStats } from './fuzz-harness.js'

const genuine = await genuineReceipts(4)
const targets = await decodeTargets(genuine)

describe(`hostile inputs: ${FUZZ_RUNS} fast-check cases per decoder`, () => {
  const stats: Record<string, DecodeStats> = {}
  after(async () => { await genuine.cleanup() })

  it('every decoder accepts its valid seeds', async () => {
    for (const target of targets) {
      for (const seed of target.seeds) await (target.decode as (input: unknown) => unknown)(seed)
    }
  })

  for (const target of targets) {
    it(`${target.name}: only typed errors, ≤ 50 ms per input`, async () => {
      stats[target.name] = await fuzzTarget(target, FUZZ_RUNS)
    })
  }

  it('reports max and p99 decode time per decoder', (t) => {
    t.diagnostic(JSON.stringify({ fuzzRuns: FUZZ_RUNS, decodeMs: stats }))
  })
})
