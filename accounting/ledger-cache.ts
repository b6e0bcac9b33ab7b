/**
 * The ledger writer's cache of committed records: encoded values by key, and keys known to be
 * absent, least recently used first out. It is correct only because every write to the ledger's
 * prefixes goes through the one writer (ledger-writer.ts), which fills and updates it inside its
 * loop only: a read outside the loop could race a batch and cache a value the batch replaced.
 */

/** Records kept: ~100 bytes each, so ~10 MiB at most; one charge touches an account, a hold and an outcome. */
export const DEFAULT_LEDGER_CACHE_ENTRIES = 65_536

/** A key as a Map key: one char per byte (keys are ≤ 64 bytes). */
export function keyId (key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[])
}

/** Committed values (null = known absent), bounded, least recently used evicted first. */
export class LedgerCache {
  private readonly entries = new Map<string, Uint8Array | null>()
  private readonly maxEntries: number

  constructor (maxEntries = DEFAULT_LEDGER_CACHE_ENTRIES) {
    this.maxEntries = maxEntries
  }

  /** Entries held. */
  get size (): number {
    return this.entries.size
  }

  /** The cached value, null when known absent, undefined when not cached. */
  get (id: string): Uint8Array | null | undefined {
    const value = this.entries.get(id)
    if (value === undefined) return undefined
    // a hit moves to the end: Map order is the eviction order
    this.entries.delete(id)
    this.entries.set(id, value)
    return value
  }

  /** Stores a committed value (null = absent). */
  set (id: string, value: Uint8Array | null): void {
    this.entries.delete(id)
    this.entries.set(id, value)
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
  }

  /** Forgets everything. */
  clear (): void {
    this.entries.clear()
  }

  /** Forgets `id` (the next read goes to the database). */
  delete (id: string): void {
    this.entries.delete(id)
  }
}
