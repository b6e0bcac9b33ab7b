/**
 * The ledger's single writer, with group application. Operations queue in arrival order; one loop
 * drains them a pass at a time: it takes every queued operation (up to `maxOperationsPerPass`),
 * prefetches the keys they name in one `getMany`, plans each in order against a working view
 * (this pass's writes over the cache of committed records over the database), and commits ALL
 * their writes as ONE LevelDB batch; then each caller gets its own answer. Planning in order over
 * the view is what serialises read → check → write (DESIGN.md §9.8): the second of two charges
 * sees the first one's debit although neither is on disk yet.
 *
 * Why: one batch per operation cost ~1 ms each here (four awaited `get`s and one batch), so the
 * ledger topped out near 500 operations/s however many transfers ran at once.
 *
 * - A rejected operation (its plan threw a typed error) writes nothing and affects no other.
 * - A failed batch (LEVEL_IO_ERROR, a full disk) rejects every operation of the pass with that
 *   error, rolls the journal position back and drops the cache entries the pass touched.
 * - Exclusive tasks (statements, `check()`) run alone between passes, on the committed database.
 * - The pass is fsynced when any of its operations asks for it.
 */
import { LedgerBusyError } from './errors.js'
import { keyId, LedgerCache } from './ledger-cache.js'
import { TRANSFER_LOG_PREFIXES } from './ledger-keys.js'
import type { LedgerBatchOp, LedgerContext, LedgerReader } from './ledger-state.js'
import type { Planned } from './ledger-holds.js'

/** Operations planned into one batch; bounds one batch (~10 writes, ~1.5 KiB per charge). */
export const DEFAULT_MAX_OPERATIONS_PER_PASS = 512

/** Writer settings. */
export interface LedgerWriterInit {
  /** Operations that may wait before `LedgerBusyError`. */
  maxQueued: number
  /** @default DEFAULT_MAX_OPERATIONS_PER_PASS */
  maxOperationsPerPass?: number
  /** Records cached. @default DEFAULT_LEDGER_CACHE_ENTRIES */
  cacheEntries?: number
}

interface Task {
  /** Set for a ledger operation; absent for an exclusive task. */
  plan?: () => Promise<Planned<unknown>>
  run?: () => Promise<unknown>
  /** Keys the plan will read, fetched for the whole pass at once. */
  prefetch: Uint8Array[]
  sync: boolean
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

const nextTurn = async (): Promise<void> => new Promise((resolve) => { setImmediate(resolve) })

/** Runs ledger operations in arrival order, many per batch. */
export class LedgerWriter implements LedgerReader {
  private readonly ctx: LedgerContext
  private readonly cache: LedgerCache
  private readonly maxQueued: number
  private readonly maxPerPass: number
  private readonly tasks: Task[] = []
  /** This pass's writes to ledger keys (null = deleted), visible to the pass's later plans. */
  private readonly overlay = new Map<string, Uint8Array | null>()
  private inPass = 0
  private running: Promise<void> | undefined

  constructor (ctx: LedgerContext, init: LedgerWriterInit) {
    this.ctx = ctx
    this.maxQueued = init.maxQueued
    this.maxPerPass = init.maxOperationsPerPass ?? DEFAULT_MAX_OPERATIONS_PER_PASS
    this.cache = new LedgerCache(init.cacheEntries)
  }

  /** Operations queued or running. */
  get size (): number {
    return this.tasks.length + this.inPass
  }

  /** Plans and commits one operation in the next pass; `prefetch` names the keys it reads. */
  async operate<T> (plan: () => Promise<Planned<T>>, prefetch: Uint8Array[], sync: boolean): Promise<T> {
    return this.enqueue({ plan, prefetch, sync }) as Promise<T>
  }

  /** Runs `run` alone, after every earlier operation has committed (reads see the committed database). */
  async exclusive<T> (run: () => Promise<T>): Promise<T> {
    return this.enqueue({ run, prefetch: [], sync: false }) as Promise<T>
  }

  /** Resolves once every task queued so far has settled. */
  async drain (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** Forgets every cached record: after a stop, another writer may change the database. */
  forget (): void {
    this.cache.clear()
  }

  /** The working view: this pass's writes, then committed records; read only from inside the loop. */
  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    const id = keyId(key)
    const written = this.overlay.get(id)
    if (written !== undefined) return written ?? undefined
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached ?? undefined
    const bytes = await this.ctx.db.get(key)
    this.cache.set(id, bytes ?? null)
    return bytes
  }

  private async enqueue (task: Omit<Task, 'resolve' | 'reject'>): Promise<unknown> {
    // the running pass counts too, as the serial queue did: `maxQueued` may wait behind it
    if (this.size > this.maxQueued) throw new LedgerBusyError(this.maxQueued)
    const done = new Promise((resolve, reject) => { this.tasks.push({ ...task, resolve, reject }) })
    this.running ??= this.loop().finally(() => { this.running = undefined })
    return done
  }

  private async loop (): Promise<void> {
    // one microtask of grace: operations requested in the same tick share the first pass
    await Promise.resolve()
    while (this.tasks.length > 0) {
      const first = this.tasks[0]
      if (first.run !== undefined) {
        this.tasks.shift()
        this.inPass = 1
        try {
          first.resolve(await first.run())
        } catch (err: unknown) {
          first.reject(err)
        }
      } else {
        let n = 1
        while (n < this.tasks.length && n < this.maxPerPass && this.tasks[n].run === undefined) n++
        const pass = this.tasks.splice(0, n)
        this.inPass = pass.length
        await this.pass(pass)
      }
      this.inPass = 0
      // let the answered callers' next operations (a settle after its hold) join the next pass
      await nextTurn()
    }
  }

  private async prefetch (pass: Task[]): Promise<void> {
    const keys: Uint8Array[] = []
    const ids = new Set<string>()
    for (const task of pass) {
      for (const key of task.prefetch) {
        const id = keyId(key)
        if (ids.has(id) || this.cache.get(id) !== undefined) continue
        ids.add(id)
        keys.push(key)
      }
    }
    const getMany = this.ctx.db.getMany
    if (keys.length === 0 || getMany === undefined) return
    try {
      const values = await getMany.call(this.ctx.db, keys)
      keys.forEach((key, i) => { this.cache.set(keyId(key), values[i] ?? null) })
    } catch {
      // only a hint: each plan reads what it still misses and fails on its own
    }
  }

  private async pass (pass: Task[]): Promise<void> {
    await this.prefetch(pass)
    const firstSeq = this.ctx.nextJournalSeq
    const batch = new Map<string, LedgerBatchOp>()
    const answered: Array<[Task, unknown]> = []
    let sync = false
    for (const task of pass) {
      let planned: Planned<unknown>
      try {
        planned = await (task.plan as () => Promise<Planned<unknown>>)()
      } catch (err: unknown) {
        task.reject(err)
        continue
      }
      const writes = planned.writes
      if (writes !== undefined) {
        for (const op of writes.ops) {
          const id = keyId(op.key)
          // later writes to a key replace earlier ones: the batch holds one write per key
          batch.set(id, op)
          if (!TRANSFER_LOG_PREFIXES.includes(op.key[0])) this.overlay.set(id, op.type === 'put' ? op.value : null)
        }
        this.ctx.nextJournalSeq += writes.journalCount
        sync ||= task.sync
      }
      answered.push([task, planned.result])
    }
    try {
      if (batch.size > 0) await this.ctx.db.batch([...batch.values()], { sync })
    } catch (err: unknown) {
      this.ctx.nextJournalSeq = firstSeq
      for (const id of this.overlay.keys()) this.cache.delete(id)
      this.overlay.clear()
      for (const [task] of answered) task.reject(err)
      return
    }
    for (const [id, value] of this.overlay) this.cache.set(id, value)
    this.overlay.clear()
    for (const [task, result] of answered) task.resolve(result)
  }
}
