/**
 * Test helper: the project's set of typed error names (every Error class exported by
 * protocol/errors.ts and accounting/errors.ts, plus zod's ZodError, which the HTTP layer answers
 * with 400) and an assertion that a thrown value is one of them — never a TypeError, RangeError,
 * SyntaxError or a stack overflow.
 */
import { AssertionError } from 'node:assert'
import * as accountingErrors from '../../accounting/errors.js'
import * as protocolErrors from '../../protocol/errors.js'

function errorClassNames (module: Record<string, unknown>): string[] {
  return Object.values(module)
    .filter((v): v is new (...args: never[]) => Error => typeof v === 'function' && v.prototype instanceof Error)
    .map((v) => v.name)
}

/** Names of the error classes a decoder of outside bytes may throw. */
export const TYPED_ERROR_NAMES: ReadonlySet<string> = new Set([
  ...errorClassNames(protocolErrors),
  ...errorClassNames(accountingErrors),
  'ZodError'
])

/** Throws an AssertionError (with the offending error's stack) unless `err` is a typed project error. */
export function assertTypedError (err: unknown, context: string): void {
  if (err instanceof Error && TYPED_ERROR_NAMES.has(err.name)) return
  const what = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)
  throw new AssertionError({ message: `${context}: untyped error ${what}` })
}

/**
 * Feeds one input to several decoders, asserting each failure is typed; succeeds when any of them
 * accepts it, else rethrows the first failure (each valid seed suits one of them).
 */
export async function anyOf (name: string, checks: Array<() => unknown>): Promise<void> {
  let first: unknown
  let accepted = false
  for (const check of checks) {
    try {
      await check()
      accepted = true
    } catch (err: unknown) {
      assertTypedError(err, name)
      first ??= err
    }
  }
  if (!accepted) throw first
}
