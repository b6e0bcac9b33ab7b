/**
 * Sizes of the chaos tier: each scenario names its CI figure and its soak figure (issue #11), and
 * `TAU_SOAK=1` picks the soak one. Also the small statistics and readings every scenario reports.
 */
import { readFile } from 'node:fs/promises'

/** Whether this run is a soak (`TAU_SOAK=1`): the full figures instead of CI-sized ones. */
export const SOAK = process.env.TAU_SOAK === '1'

/** `ci` in a CI run, `soak` under TAU_SOAK=1. */
export function scaled<T> (ci: T, soak: T): T {
  return SOAK ? soak : ci
}

/** The `q` quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile (values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** Rounds to `digits` decimals (figures for the README table). */
export function round (value: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** Resident set size and its peak (VmRSS, VmHWM) of process `pid`, in bytes, from /proc. */
export async function procRss (pid: number): Promise<{ rss: number, peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    if (match === null) throw new Error(`/proc/${pid}/status has no ${name}`)
    return Number(match[1]) * 1024
  }
  return { rss: field('VmRSS'), peak: field('VmHWM') }
}

/** Waits `ms`. */
export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `probe` every `everyMs` until it returns true or `timeoutMs` passes; returns the ms it took, or -1. */
export async function until (probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<number> {
  const t0 = Date.now()
  while (Date.now() - t0 <= timeoutMs) {
    if (await probe()) return Date.now() - t0
    await sleep(everyMs)
  }
  return -1
}

/** Seeded xorshift PRNG in [0, 1), so a failing chaos run can be replayed from its printed seed. */
export function prng (seed: number): () => number {
  let x = (seed >>> 0) || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32
  }
}

/** The seed of this run: TAU_CHAOS_SEED if set (to replay), else the clock. */
export function chaosSeed (): number {
  const given = Number(process.env.TAU_CHAOS_SEED)
  return Number.isSafeInteger(given) && given > 0 ? given : Date.now() % 2 ** 31
}

/** CPU seconds (user + system) process `pid` used so far, from /proc/<pid>/stat. */
export async function procCpuSeconds (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Progress lines on stderr when TAU_CHAOS_VERBOSE=1 (long soaks, debugging a hang). */
export function progress (...parts: unknown[]): void {
  if (process.env.TAU_CHAOS_VERBOSE === '1') process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${parts.map(String).join(' ')}\n`)
}
