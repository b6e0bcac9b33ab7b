/**
 * `tau-relay accounts list|show|credit|statement|check`: the ledger, through a running relay's
 * admin API (`--admin URL`) or directly in a stopped relay's data directory. Both paths print the
 * same JSON (relay/json-views.ts).
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { fromHex, toHex } from 'multiformats/bytes'
import { parseTauAddress } from '../../protocol/tau-address.js'
import { accountJson, checkReportJson, settlementImportJson, statementJson } from '../json-views.js'
import { COMMON_OPTIONS, adminClient, withLedger } from './context.js'
import { CliUsageError, CommandFailedError, EXIT, keyValueText, print } from './io.js'

/** Usage of `accounts`. */
export const ACCOUNTS_USAGE = `tau-relay accounts list
tau-relay accounts show ADDRESS
tau-relay accounts credit --tx FILE        (a signed settlement transaction: DAG-CBOR, binary or hex)
tau-relay accounts statement ADDRESS [--from MS] [--to MS]
tau-relay accounts check
  each with [--admin URL [--token-file FILE]] | [--data-dir DIR] [--config FILE] [--json]`

const OPTIONS = { ...COMMON_OPTIONS, tx: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const

type Json = Record<string, unknown>

function address (text: string | undefined): string {
  if (text === undefined) throw new CliUsageError('an ADDRESS is required')
  parseTauAddress(text) // checked here so a typo fails before any I/O, with the reason
  return text
}

function timeMs (text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw new CliUsageError(`--${name} must be ms since the epoch`)
  return Number(text)
}

async function readTx (file: string | undefined): Promise<Uint8Array> {
  if (file === undefined) throw new CliUsageError('accounts credit needs --tx FILE')
  const bytes = new Uint8Array(await readFile(file))
  const text = new TextDecoder().decode(bytes).trim()
  // a hex file is what people paste; binary DAG-CBOR is what tools write
  return /^([0-9a-fA-F]{2})+$/.test(text) ? fromHex(text.toLowerCase()) : bytes
}

/** Runs `accounts`. */
export async function accountsCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  const [sub, arg] = positionals
  if (values.help || sub === undefined) {
    console.log(ACCOUNTS_USAGE)
    return values.help ? EXIT.ok : EXIT.usage
  }
  const client = await adminClient(values)
  const json = values.json
  switch (sub) {
    case 'list': {
      let accounts: Json[] = []
      if (client !== undefined) {
        let after: string | null = null
        do {
          const page: { accounts: Json[], next: string | null } = await client.json('GET', `/admin/accounts?limit=1000${after === null ? '' : `&after=${after}`}`)
          accounts.push(...page.accounts)
          after = page.next
        } while (after !== null)
      } else {
        accounts = await withLedger(values, async (ledger) => {
          const out: Json[] = []
          for await (const a of ledger.accounts()) out.push(accountJson(a))
          return out
        })
      }
      print(json, accounts, () => accounts.length === 0 ? 'no accounts' : accounts.map((a) => `${String(a.address)}  balance ${String(a.balanceNanoTau)}  available ${String(a.availableNanoTau)}  charged ${String(a.chargedNanoTau)}`).join('\n'))
      return EXIT.ok
    }
    case 'show': {
      const text = address(arg)
      const account = client !== undefined
        ? await client.json('GET', `/admin/accounts/${text}`)
        : await withLedger(values, async (ledger) => {
          const a = await ledger.account(parseTauAddress(text))
          if (a === undefined) throw new CommandFailedError(`no account ${text}`)
          return accountJson(a)
        })
      print(json, account, () => keyValueText(account))
      return EXIT.ok
    }
    case 'credit': {
      const tx = await readTx(values.tx)
      const result = client !== undefined
        ? await client.json('POST', '/admin/accounts/credit', { tx: toHex(tx) })
        : await withLedger(values, async (ledger) => settlementImportJson(await ledger.creditSettlement(tx)))
      print(json, result, () => keyValueText(result))
      return EXIT.ok
    }
    case 'statement': {
      const text = address(arg)
      const fromMs = timeMs(values.from, 'from')
      const toMs = timeMs(values.to, 'to')
      let statement: Json
      if (client !== undefined) {
        const query = new URLSearchParams()
        if (fromMs !== undefined) query.set('fromMs', String(fromMs))
        if (toMs !== undefined) query.set('toMs', String(toMs))
        statement = await client.json('GET', `/admin/accounts/${text}/statement?${query.toString()}`)
      } else {
        statement = await withLedger(values, async (ledger, dataDir) =>
          statementJson(await ledger.statement(parseTauAddress(text), { fromMs: fromMs ?? 0, toMs: toMs ?? Date.now() + 1 }, dataDir.tauPrivateKey)))
      }
      print(true, statement)
      return EXIT.ok
    }
    case 'check': {
      const report = client !== undefined
        ? await client.json<Json & { ok: boolean, violations: string[] }>('GET', '/admin/ledger/check')
        : await withLedger(values, async (ledger) => checkReportJson(await ledger.check()) as Json & { ok: boolean, violations: string[] })
      print(json, report, () => report.ok ? 'ledger ok' : `ledger has ${report.violations.length} violation(s):\n${report.violations.join('\n')}`)
      return report.ok ? EXIT.ok : EXIT.failure
    }
    default:
      throw new CliUsageError(`unknown accounts command '${sub}'\n${ACCOUNTS_USAGE}`)
  }
}
