/**
 * Shared pieces of the CLI commands: exit codes, the usage error, output in text or `--json`,
 * and the mapping of a thrown error to an exit code and one line on stderr.
 */

/** Exit codes of every `tau-relay` command. */
export const EXIT = Object.freeze({
  ok: 0,
  /** The command ran and failed (rejected input, failed check, HTTP error). */
  failure: 1,
  /** The command line is wrong. */
  usage: 2,
  /** What the command needs is busy or unreachable (ledger locked by a running relay, relay down). */
  unavailable: 3
})

/** A wrong command line; the message says what is wrong. */
export class CliUsageError extends Error {
  static name = 'CliUsageError'

  constructor (message = 'invalid command line') {
    super(message)
    this.name = 'CliUsageError'
  }
}

/** A command that ran but whose result is a failure (e.g. `accounts check` found violations). */
export class CommandFailedError extends Error {
  static name = 'CommandFailedError'

  constructor (message = 'command failed') {
    super(message)
    this.name = 'CommandFailedError'
  }
}

/** Names of errors that mean "unavailable right now" (exit 3). */
const UNAVAILABLE = new Set(['LedgerLockedError'])

/** The exit code of a thrown error. */
export function exitCodeFor (err: unknown): number {
  if (!(err instanceof Error)) return EXIT.failure
  // node:util parseArgs reports unknown options and missing values as TypeError ERR_PARSE_ARGS_*
  const parseArgsError = err.name === 'TypeError' && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
  if (err.name === 'CliUsageError' || parseArgsError) return EXIT.usage
  if (UNAVAILABLE.has(err.name)) return EXIT.unavailable
  // an admin API that cannot be reached at all
  if (err.name === 'AdminApiError' && (err as { status?: number }).status === 0) return EXIT.unavailable
  return EXIT.failure
}

/** Prints a value: pretty JSON with `--json`, else `text()` (or JSON when there is no text form). */
export function print (json: boolean, value: unknown, text?: () => string): void {
  if (json || text === undefined) {
    console.log(JSON.stringify(value, null, 2))
  } else {
    console.log(text())
  }
}

/** Lines of `key  value`, keys padded to one column. */
export function keyValueText (record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length))
  return Object.entries(record).map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n')
}
