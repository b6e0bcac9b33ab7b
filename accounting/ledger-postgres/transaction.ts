/**
 * Serializable transactions against the shared ledger database, retried on the conflicts that
 * serializable isolation reports (40001 serialization_failure, 40P01 deadlock_detected, and 23505
 * when two transactions insert the same key that both read as absent) up to a named bound, with
 * jittered backoff; then `LedgerBusyError`. A lost or refused connection is a
 * `LedgerUnavailableError`, never retried here: a connection that died during COMMIT leaves the
 * outcome unknown (`outcomeUnknown`), which only the node's fleet reconcile can settle.
 */
import { LedgerBusyError, LedgerUnavailableError } from '../errors.js'
import type { Pool, PoolClient } from 'pg'

/**
 * Attempts of one transaction before `LedgerBusyError`: 12 conflicts in a row, ≤ ~0.5 s of backoff.
 * A bound, not a tuning: under heavy cross-node contention (fleet-ledger bench, 3 nodes × 64 in
 * flight) some charges still fail `busy`, which sheds load instead of queueing without end.
 */
export const DEFAULT_MAX_TRANSACTION_ATTEMPTS = 12
/** Cap of one backoff wait, ms. */
export const MAX_BACKOFF_MS = 50

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01', '23505'])
/** Driver error codes and SQLSTATE classes meaning "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300'])
/** node-postgres raises these without a code. */
const UNAVAILABLE_MESSAGES = ['Connection terminated', 'connection error', 'not queryable', 'timeout exceeded when trying to connect', 'Query read timeout']

/** The SQLSTATE or driver code of `err`, or '' . */
export function errorCode (err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : ''
}

/** Whether `err` means the database could not be reached or dropped the connection. */
export function isUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'LedgerUnavailableError') return true
  const code = errorCode(err)
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true
  return code === '' && UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m))
}

/** `err` as a LedgerUnavailableError. */
export function unavailable (err: unknown, outcomeUnknown: boolean): LedgerUnavailableError {
  if (err instanceof LedgerUnavailableError) return err
  const code = errorCode(err) === '' ? 'connection_lost' : errorCode(err)
  return new LedgerUnavailableError(code, outcomeUnknown, `ledger database unavailable (${code}): ${err instanceof Error ? err.message : String(err)}`, { cause: err })
}

/** Isolation levels a ledger transaction may run at (DESIGN-NOTES.md: why both are sound here). */
export type LedgerIsolation = 'serializable' | 'repeatable read'

/** Transaction settings. */
export interface TransactionOptions {
  maxAttempts: number
  readOnly?: boolean
  /** @default 'serializable' */
  isolation?: LedgerIsolation
}

async function backoff (attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Runs `fn` in a SERIALIZABLE (or REPEATABLE READ) transaction, retrying conflicts; returns what `fn` returned once committed. */
export async function inSerializableTransaction<T> (pool: Pool, fn: (client: PoolClient) => Promise<T>, options: TransactionOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient
    try {
      client = await pool.connect()
    } catch (err: unknown) {
      throw unavailable(err, false)
    }
    let committing = false
    let broken = false
    // a server shutdown between two statements emits 'error' on the checked-out client: unheard, it kills the process
    const onError = (): void => { broken = true }
    client.on('error', onError)
    try {
      const level = options.isolation === 'repeatable read' ? 'REPEATABLE READ' : 'SERIALIZABLE'
      await client.query(`BEGIN ISOLATION LEVEL ${level}${options.readOnly === true ? ', READ ONLY' : ''}`)
      const result = await fn(client)
      committing = true
      await client.query('COMMIT')
      return result
    } catch (err: unknown) {
      if (isUnavailable(err)) {
        broken = true
        // a dead connection during COMMIT: the server may have committed before it died
        throw unavailable(err, committing)
      }
      await client.query('ROLLBACK').catch(() => { broken = true })
      if (!RETRYABLE.has(errorCode(err))) throw err
      if (attempt >= options.maxAttempts) {
        throw new LedgerBusyError(options.maxAttempts, `ledger busy: ${options.maxAttempts} serialization conflicts in a row`)
      }
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
    await backoff(attempt)
  }
}
