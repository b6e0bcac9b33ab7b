/**
 * `tau-relay log verify --receipt FILE`: offline verification of a receipt file written by
 * `tau-relay fetch --receipt` (relay/client/receipt-file.ts): the head's signature recovers the
 * relay's TAU address, the proof CAR leads from the head's HAMT to the record. Exit 0 only when
 * valid; 1 when the receipt is invalid or unreadable.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { formatTauAddress, parseTauAddress } from '../../protocol/tau-address.js'
import { decodeReceiptFile, verifyReceiptFile } from '../client/receipt-file.js'
import { CliUsageError, EXIT, keyValueText, print } from './io.js'

/** Usage of `log verify`. */
export const LOG_VERIFY_USAGE = 'tau-relay log verify --receipt FILE [--relay-tau ADDRESS] [--json]'

/** Runs `log verify` (args after `verify`). */
export async function logVerifyCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { receipt: { type: 'string' }, 'relay-tau': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: false,
    strict: true
  })
  if (values.help) {
    console.log(LOG_VERIFY_USAGE)
    return EXIT.ok
  }
  if (values.receipt === undefined) throw new CliUsageError(`log verify needs --receipt FILE\n${LOG_VERIFY_USAGE}`)
  const json = values.json
  try {
    const file = decodeReceiptFile(new Uint8Array(await readFile(values.receipt)))
    if (values['relay-tau'] !== undefined) {
      const expected = parseTauAddress(values['relay-tau'])
      if (formatTauAddress(expected) !== formatTauAddress(file.relay)) throw new Error(`receipt is for relay ${formatTauAddress(file.relay)}, not ${values['relay-tau']}`)
    }
    const verified = verifyReceiptFile(file)
    const { record } = verified
    const result = {
      valid: true,
      relay: formatTauAddress(file.relay),
      logRoot: verified.logRoot,
      seq: record.seq,
      status: record.status,
      root: record.root?.toString() ?? null,
      blocks: record.blocks,
      bytes: record.bytes,
      charge: record.charge.toString()
    }
    print(json, result, () => keyValueText(result))
    return EXIT.ok
  } catch (err: unknown) {
    const result = { valid: false, error: err instanceof Error ? err.message : String(err) }
    if (json) print(true, result)
    else console.error(`tau-relay log verify: ${result.error}`)
    return EXIT.failure
  }
}
