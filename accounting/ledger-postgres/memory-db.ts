/**
 * A read-only, in-memory `LedgerDatabase` of a ledger snapshot: rows read from PostgreSQL in one
 * transaction, re-encoded under the LevelDB key space. It lets `check()` and statements reuse the
 * LevelDB ledger's code (ledger-check.ts, ledger-statement.ts) unchanged, and lets the fleet log
 * check show a node's charges to transfer-log-check.ts as if they were its local outcomes.
 */
import assert from 'node:assert'
import { compare } from 'uint8arrays/compare'
import { toString as bytesToString } from 'uint8arrays/to-string'
import type { LedgerBatchOp, LedgerDatabase } from '../ledger-state.js'

/** Sorted key/value pairs with LevelDB's byte order; `batch` is refused. */
export class MemoryLedgerDatabase implements LedgerDatabase {
  private readonly entries: Array<[Uint8Array, Uint8Array]> = []
  private readonly byKey = new Map<string, Uint8Array>()
  private sorted = true

  /** Adds a pair (a later put of the same key replaces the value). */
  put (key: Uint8Array, value: Uint8Array): void {
    const id = bytesToString(key, 'base16')
    if (!this.byKey.has(id)) {
      this.entries.push([key, value])
      this.sorted = false
    } else {
      const i = this.entries.findIndex(([k]) => bytesToString(k, 'base16') === id)
      this.entries[i] = [key, value]
    }
    this.byKey.set(id, value)
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.byKey.get(bytesToString(key, 'base16'))
  }

  async getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return Promise.all(keys.map(async (k) => this.get(k)))
  }

  async batch (_ops: LedgerBatchOp[], _options: { sync?: boolean }): Promise<void> {
    assert.fail('a ledger snapshot is read-only')
  }

  async * iterator (options: { gte: Uint8Array, lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]> {
    if (!this.sorted) {
      this.entries.sort(([a], [b]) => compare(a, b))
      this.sorted = true
    }
    for (const [key, value] of this.entries) {
      if (compare(key, options.gte) < 0) continue
      if (compare(key, options.lt) >= 0) return
      yield [key, value]
    }
  }
}

/** A database that answers keys under `prefix` from `overlay` and every other key from `base`. */
export class PrefixOverlayDatabase implements LedgerDatabase {
  constructor (private readonly base: LedgerDatabase, private readonly prefix: number, private readonly overlay: LedgerDatabase) {}

  private pick (key: Uint8Array): LedgerDatabase {
    return key[0] === this.prefix ? this.overlay : this.base
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.pick(key).get(key)
  }

  async batch (_ops: LedgerBatchOp[], _options: { sync?: boolean }): Promise<void> {
    assert.fail('an overlay is read-only')
  }

  iterator (options: { gte: Uint8Array, lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]> {
    // callers iterate one prefix at a time (prefixRange), so a range never spans both sources
    assert(options.gte[0] === this.prefix || options.lt[0] <= this.prefix || options.gte[0] > this.prefix, 'a range spanning the overlaid prefix')
    return this.pick(options.gte).iterator(options)
  }
}
