/**
 * `tau-relay policy show|publish`: the signed policy. `show` reads a running relay's
 * `GET /policy` (`--admin URL`) or the data directory's `policy.cbor`; `publish` sends a policy in
 * JSON form (signed, or unsigned for the relay to sign) to a running relay's admin API.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { decodePolicyDocument, policyDocumentCid, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { policyToJson } from '../../protocol/policy-json.js'
import { dataDirPaths } from '../data-dir.js'
import { COMMON_OPTIONS, adminClient, cliConfig } from './context.js'
import { CliUsageError, EXIT, keyValueText, print } from './io.js'

/** Usage of `policy`. */
export const POLICY_USAGE = `tau-relay policy show [--admin URL | --data-dir DIR] [--json]
tau-relay policy publish --file POLICY.json --admin URL [--token-file FILE]`

const OPTIONS = { ...COMMON_OPTIONS, file: { type: 'string' } } as const

/** Runs `policy`. */
export async function policyCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  const [sub] = positionals
  if (values.help || sub === undefined) {
    console.log(POLICY_USAGE)
    return values.help ? EXIT.ok : EXIT.usage
  }
  switch (sub) {
    case 'show': {
      const client = await adminClient(values, { token: false })
      const bytes = client !== undefined
        ? await client.bytes('/policy', 'application/vnd.ipld.dag-cbor')
        : new Uint8Array(await readFile(dataDirPaths(cliConfig(values).dataDir).policy))
      const doc = decodePolicyDocument(bytes)
      // a policy that does not verify is shown as such, never as if it were the relay's
      verifyPolicyDocument(doc)
      const result = { cid: policyDocumentCid(bytes).toString(), policy: policyToJson(doc) }
      print(values.json, result, () => `${keyValueText({ cid: result.cid })}\n${JSON.stringify(result.policy, null, 2)}`)
      return EXIT.ok
    }
    case 'publish': {
      if (values.file === undefined) throw new CliUsageError('policy publish needs --file POLICY.json')
      const client = await adminClient(values)
      if (client === undefined) throw new CliUsageError('policy publish talks to a running relay: add --admin URL')
      const policy = JSON.parse(await readFile(values.file, 'utf8')) as unknown
      const stored = await client.json('POST', '/admin/policy', { policy })
      print(values.json, stored, () => keyValueText(stored))
      return EXIT.ok
    }
    default:
      throw new CliUsageError(`unknown policy command '${sub}'\n${POLICY_USAGE}`)
  }
}
