/**
 * Test helper: the peak heap growth of one call. A full GC runs first (V8's `gc`, exposed at run
 * time with `--expose-gc` set through `v8.setFlagsFromString`), then V8's GCProfiler records the
 * used heap and external memory before every collection during the call; the peak is the largest
 * of those and of the end values. Collections happen exactly when the heap is locally largest, so
 * garbage made and freed inside the call still counts (a plain before/after delta would miss it).
 */
import { GCProfiler, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type GcFunction = () => void

function exposeGc (): GcFunction {
  const existing = (globalThis as { gc?: GcFunction }).gc
  if (existing !== undefined) return existing
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as GcFunction
}

const gc = exposeGc()

/** Heap + external bytes in use now. */
function inUse (): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

/** Runs `fn` and returns its peak heap + external growth in bytes (its result or error is passed through `outcome`). */
export async function peakGrowthBytes (fn: () => Promise<void>): Promise<{ growthBytes: number, error?: unknown }> {
  gc()
  const before = inUse()
  const profiler = new GCProfiler()
  profiler.start()
  let error: unknown
  try {
    await fn()
  } catch (err: unknown) {
    error = err
  }
  const end = inUse()
  const { statistics } = profiler.stop()
  let peak = end
  for (const s of statistics) {
    const h = s.beforeGC.heapStatistics
    peak = Math.max(peak, h.usedHeapSize + h.externalMemory)
  }
  return { growthBytes: Math.max(0, peak - before), error }
}
