/**
 * Maps classic-level's I/O failures to the typed `LedgerStorageError` (DESIGN.md §9.8: on a full
 * disk a batch fails with `LEVEL_IO_ERROR`). Anything else passes through unchanged, so a bug is
 * never disguised as a full disk.
 */
import { LedgerStorageError } from './errors.js'

/** classic-level / abstract-level codes that mean "the storage failed", not "the caller erred". */
const STORAGE_CODES = new Set(['LEVEL_IO_ERROR', 'LEVEL_CORRUPTION'])

/** Whether `err` is a storage failure of classic-level. */
export function isStorageFailure (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && STORAGE_CODES.has(code)
}

/** `err` as a LedgerStorageError when it is a storage failure, else `err` itself. */
export function toStorageError (err: unknown): unknown {
  if (!isStorageFailure(err)) return err
  const e = err as Error & { code: string }
  return new LedgerStorageError(e.code, `ledger storage failed: ${e.message}`, { cause: err })
}

/** Runs `task`, rethrowing storage failures as LedgerStorageError. */
export async function withStorageErrors<T> (task: () => Promise<T>): Promise<T> {
  try {
    return await task()
  } catch (err: unknown) {
    throw toStorageError(err)
  }
}
