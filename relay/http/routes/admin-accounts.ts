/**
 * Admin routes of the ledger: list and show accounts, credit a signed settlement transaction,
 * signed statements, and the invariant check. Reads are GET; the one change (a credit) is POST.
 */
import { Router } from 'express'
import { compare } from 'uint8arrays/compare'
import { accountJson, checkReportJson, settlementImportJson, statementJson } from '../../json-views.js'
import { HttpError } from '../http-error.js'
import { DEFAULT_ACCOUNTS_PAGE, accountsQuery, creditBody, statementQuery, tauAddressText } from '../schemas.js'
import { named } from './public.js'
import type { LedgerBackend } from '../../../accounting/ledger-api.js'

/** What the account routes use. */
export interface AccountRouteComponents {
  ledger: LedgerBackend
  /** Signs statements (the operator's TAU key). */
  tauPrivateKey: Uint8Array
  now: () => number
}

/** The `/admin` router of accounts and the ledger. */
export function accountRoutes (c: AccountRouteComponents): Router {
  const router = Router()

  router.get('/accounts', named('admin_accounts'), async (req, res) => {
    const { after, limit = DEFAULT_ACCOUNTS_PAGE } = accountsQuery.parse(req.query)
    const accounts: Array<Record<string, unknown>> = []
    let more = false
    // accounts come in address order, so a page starts right after the previous page's last address
    for await (const account of c.ledger.accounts()) {
      if (after !== undefined && compare(account.address, after) <= 0) continue
      if (accounts.length === limit) {
        more = true
        break
      }
      accounts.push(accountJson(account))
    }
    res.json({ accounts, next: more ? accounts[accounts.length - 1].address : null })
  })

  router.get('/accounts/:address', named('admin_account'), async (req, res) => {
    const address = tauAddressText.parse(req.params.address)
    const account = await c.ledger.account(address)
    if (account === undefined) throw new HttpError(404, 'no_such_account', 'the ledger has never seen this address')
    res.json(accountJson(account))
  })

  router.get('/accounts/:address/statement', named('admin_statement'), async (req, res) => {
    const address = tauAddressText.parse(req.params.address)
    const { fromMs = 0, toMs = c.now() + 1 } = statementQuery.parse(req.query)
    res.json(statementJson(await c.ledger.statement(address, { fromMs, toMs }, c.tauPrivateKey)))
  })

  router.post('/accounts/credit', named('admin_credit'), async (req, res) => {
    const { tx } = creditBody.parse(req.body)
    const imported = await c.ledger.creditSettlement(tx)
    res.status(imported.duplicate ? 200 : 201).json(settlementImportJson(imported))
  })

  router.get('/ledger/check', named('admin_check'), async (_req, res) => {
    const report = await c.ledger.check()
    res.json(checkReportJson(report))
  })

  return router
}
