/**
 * A single-writer queue: runs async tasks one at a time, in arrival order, with a bound on how
 * many may wait. Measured here (DESIGN.md §9.8), 50 concurrent unserialised get → check → batch
 * charges of 10 against a balance of 100 all "succeeded" while only 10 was debited. The ledger
 * itself now uses ledger-writer.ts (the same ordering, many operations per batch); the queue bound
 * below is still the ledger's.
 */
import { LedgerBusyError } from './errors.js'

/** Tasks that may wait behind the running one before `LedgerBusyError`; bounds memory under overload. */
export const DEFAULT_MAX_QUEUED_OPERATIONS = 1024

/** Runs tasks strictly one after another. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private pending = 0
  private readonly maxQueued: number

  constructor (maxQueued = DEFAULT_MAX_QUEUED_OPERATIONS) {
    this.maxQueued = maxQueued
  }

  /** Tasks queued or running. */
  get size (): number {
    return this.pending
  }

  /** Runs `task` after every task added before it has settled; rejects with LedgerBusyError when full. */
  async run<T> (task: () => Promise<T>): Promise<T> {
    // the running task counts too: `pending - 1` tasks wait behind it
    if (this.pending > this.maxQueued) throw new LedgerBusyError(this.maxQueued)
    this.pending++
    const result = this.tail.then(task, task)
    // the chain continues whether the task failed or not; failures reach only this caller
    this.tail = result.then(() => undefined, () => undefined)
    try {
      return await result
    } finally {
      this.pending--
    }
  }

  /** Resolves once every task added so far has settled. */
  async drain (): Promise<void> {
    await this.tail
  }
}
