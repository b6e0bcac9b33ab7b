/**
 * `tau-relay keys new --out FILE`: a new TAU key in a file of its own (mode 0600, never
 * overwriting) and its address — for a payer, a second operator key, or tests.
 */
import { parseArgs } from 'node:util'
import { generateTauPrivateKey, writeTauKeyFile } from '../keys.js'
import { CliUsageError, EXIT, print } from './io.js'

/** Usage of `keys`. */
export const KEYS_USAGE = 'tau-relay keys new --out FILE [--json]'

/** Runs `keys`. */
export async function keysCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true
  })
  if (values.help) {
    console.log(KEYS_USAGE)
    return EXIT.ok
  }
  if (positionals.length !== 1 || positionals[0] !== 'new') throw new CliUsageError(`usage: ${KEYS_USAGE}`)
  if (values.out === undefined) throw new CliUsageError('keys new needs --out FILE')
  const address = await writeTauKeyFile(values.out, generateTauPrivateKey())
  print(values.json, { address, file: values.out }, () => address)
  return EXIT.ok
}
