/**
 * Bench plumbing: percentiles, a forced GC between phases (so one phase's garbage is not billed to
 * the next) and writing results to bench-results/<name>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'

/** Where every bench writes its JSON. */
export const BENCH_RESULTS_DIR = 'bench-results'

v8.setFlagsFromString('--expose-gc')
const gcFunction = vm.runInNewContext('gc') as () => void

/** Runs a full garbage collection now. */
export function collectGarbage (): void {
  gcFunction()
}

/** The p-th percentile (0..100) of the samples, nearest-rank. */
export function percentile (samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

/** Rounds to `digits` decimals, for readable JSON. */
export function round (value: number, digits = 2): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** Writes `result` to bench-results/<name>.json and returns the path. */
export async function writeBenchResult (name: string, result: object): Promise<string> {
  await mkdir(BENCH_RESULTS_DIR, { recursive: true })
  const path = join(BENCH_RESULTS_DIR, `${name}.json`)
  await writeFile(path, JSON.stringify(result, null, 2) + '\n')
  return path
}

/** Median of the samples. */
export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Awaits `promise`, failing the bench case if it takes longer than `ms`. */
export async function withTimeout (promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([promise, new Promise<never>((resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`bench case took over ${ms} ms`)) }, ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}
