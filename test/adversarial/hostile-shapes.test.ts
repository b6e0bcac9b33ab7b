/**
 * Proves every decoder of outside bytes (and of admin JSON bodies) survives hand-made hostile
 * inputs — 10,000-level nesting, 1,000,000 items, lying lengths, alone and inside valid messages —
 * with only typed errors, ≤ 50 ms of CPU and ≤ 32 MiB of peak heap growth per input; prints the
 * worst time and growth per decoder as one JSON line.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { decodeTargets } from './decode-targets.js'
import { MAX_DECODE_MS, timeDecode } from './fuzz-harness.js'
import { genuineReceipts } from './genuine-receipt.js'
import { peakGrowthBytes } from './heap-meter.js'
import { byteShapes, jsonShapes } from './hostile-shapes.js'
import { assertTypedError } from './typed-errors.js'
import type { DecodeTime } from './fuzz-harness.js'

/** The bound on one input's peak heap growth (issue #11): 32 MiB. */
const MAX_HEAP_GROWTH_BYTES = 32 * 1024 * 1024
const MIB = 1024 * 1024

const genuine = await genuineReceipts(2)
const targets = await decodeTargets(genuine)

interface Worst { inputs: number, cpuMaxMs: number, wallMaxMs: number, heapMaxMiB: number, slowest: string, largest: string }

describe('hostile hand-made inputs: deep, wide and lying lengths', () => {
  const report: Record<string, Worst> = {}
  after(async () => { await genuine.cleanup() })

  for (const target of targets) {
    it(`${target.name}: typed errors, ≤ 50 ms CPU and ≤ 32 MiB heap per input`, async () => {
      const shapes = target.kind === 'bytes' ? byteShapes(target.seeds) : jsonShapes(target.seeds)
      const worst: Worst = { inputs: shapes.length, cpuMaxMs: 0, wallMaxMs: 0, heapMaxMiB: 0, slowest: '', largest: '' }
      for (const { name, input } of shapes) {
        const { growthBytes, error } = await peakGrowthBytes(async () => { await (target.decode as (i: unknown) => unknown)(input) })
        if (error !== undefined) assertTypedError(error, `${target.name} / ${name}`)
        assert.ok(growthBytes <= MAX_HEAP_GROWTH_BYTES, `${target.name} / ${name}: heap grew ${(growthBytes / MIB).toFixed(1)} MiB`)
        // time apart from the heap meter: its forced GC and profiler are not the decoder's cost
        let time: DecodeTime = await timeDecode(target, input)
        if (time.cpuMs > MAX_DECODE_MS) time = await timeDecode(target, input)
        assert.ok(time.cpuMs <= MAX_DECODE_MS, `${target.name} / ${name}: ${time.cpuMs.toFixed(1)} ms of CPU`)
        if (time.cpuMs > worst.cpuMaxMs) worst.slowest = name
        if (growthBytes / MIB > worst.heapMaxMiB) worst.largest = name
        worst.cpuMaxMs = Math.max(worst.cpuMaxMs, round(time.cpuMs))
        worst.wallMaxMs = Math.max(worst.wallMaxMs, round(time.wallMs))
        worst.heapMaxMiB = Math.max(worst.heapMaxMiB, round(growthBytes / MIB))
      }
      report[target.name] = worst
    })
  }

  it('reports the worst time and heap growth per decoder', (t) => {
    t.diagnostic(JSON.stringify({ hostileShapes: report }))
  })
})

function round (n: number): number {
  return Math.round(n * 100) / 100
}
