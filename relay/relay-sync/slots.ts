/**
 * Concurrency limits of relay syncs (DESIGN.md §4.1 step 2): at most `global` syncs at once, at
 * most `perPayer` for one payer and `perTarget` towards one target. A slot is taken atomically
 * (all three or none) and released exactly once.
 */
import { SyncBusyError } from './errors.js'

/** The three limits, from the current policy. */
export interface SlotLimits {
  global: number
  perPayer: number
  perTarget: number
}

/** Counters of running syncs. */
export class SyncSlots {
  private running = 0
  private readonly byPayer = new Map<string, number>()
  private readonly byTarget = new Map<string, number>()

  /** Takes a slot or throws SyncBusyError naming the limit hit; returns its release function. */
  acquire (payer: string, target: string, limits: SlotLimits): () => void {
    if (this.running >= limits.global) throw new SyncBusyError('global', limits.global)
    if ((this.byPayer.get(payer) ?? 0) >= limits.perPayer) throw new SyncBusyError('payer', limits.perPayer)
    if ((this.byTarget.get(target) ?? 0) >= limits.perTarget) throw new SyncBusyError('target', limits.perTarget)
    this.running++
    bump(this.byPayer, payer, 1)
    bump(this.byTarget, target, 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.running--
      bump(this.byPayer, payer, -1)
      bump(this.byTarget, target, -1)
    }
  }

  /** Syncs running now. */
  get size (): number {
    return this.running
  }
}

function bump (map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by
  if (next === 0) map.delete(key)
  else map.set(key, next)
}
