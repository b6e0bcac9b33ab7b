/**
 * `tau-relay log head|proof`: the transfer log of a running relay, through its public routes
 * (`GET /log/head`, `GET /log/proof/:seq`). `log verify` (offline) lives in log-verify.ts.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import * as dagJson from '@ipld/dag-json'
import { decodeLogHead, logHeadCid } from '../../protocol/log-head.js'
import { COMMON_OPTIONS, adminClient } from './context.js'
import { CliUsageError, EXIT, print } from './io.js'
import { logVerifyCommand, LOG_VERIFY_USAGE } from './log-verify.js'

/** Usage of `log`. */
export const LOG_USAGE = `tau-relay log head --admin URL [--json]
tau-relay log proof SEQ --out FILE.car --admin URL
${LOG_VERIFY_USAGE}`

const OPTIONS = { ...COMMON_OPTIONS, out: { type: 'string' } } as const

/** Runs `log`. */
export async function logCommand (args: string[]): Promise<number> {
  // offline: no relay, no data directory
  if (args[0] === 'verify') return logVerifyCommand(args.slice(1))
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  const [sub, arg] = positionals
  if (values.help || sub === undefined) {
    console.log(LOG_USAGE)
    return values.help ? EXIT.ok : EXIT.usage
  }
  const client = await adminClient(values, { token: false })
  if (client === undefined) throw new CliUsageError('log commands talk to a running relay: add --admin URL')
  switch (sub) {
    case 'head': {
      const bytes = await client.bytes('/log/head', 'application/vnd.ipld.dag-cbor')
      const head = decodeLogHead(bytes)
      const result = { cid: logHeadCid(bytes).toString(), head: JSON.parse(new TextDecoder().decode(dagJson.encode(head))) as unknown }
      print(values.json, result)
      return EXIT.ok
    }
    case 'proof': {
      if (arg === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(arg)) throw new CliUsageError('log proof needs a record SEQ')
      if (values.out === undefined) throw new CliUsageError('log proof needs --out FILE.car')
      const car = await client.bytes(`/log/proof/${arg}`, 'application/vnd.ipld.car')
      await writeFile(values.out, car, { flag: 'wx' })
      print(values.json, { seq: Number(arg), file: values.out, bytes: car.length }, () => `wrote ${car.length} bytes to ${values.out ?? ''}`)
      return EXIT.ok
    }
    default:
      throw new CliUsageError(`unknown log command '${sub}'\n${LOG_USAGE}`)
  }
}
