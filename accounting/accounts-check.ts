/**
 * `accounts check`: the ledger's invariants (ledger-check.ts) and the transfer log's, including
 * "charged ⇔ logged" (transfer-log-check.ts), over one database. Run it with the ledger and the log
 * idle (offline, or after `stop()`): it reads the key space without their queues.
 */
import { checkLedger } from './ledger-check.js'
import { checkTransferLog } from './transfer-log-check.js'
import type { LedgerCheckReport } from './ledger-check.js'
import type { LedgerDatabase } from './ledger-state.js'
import type { TransferLogCheckOptions, TransferLogCheckReport } from './transfer-log-check.js'

/** Both reports; ok when neither found a violation. */
export interface AccountsCheckReport {
  ok: boolean
  violations: string[]
  ledger: LedgerCheckReport
  log: TransferLogCheckReport
}

/** Checks the ledger and the transfer log of `db`. */
export async function accountsCheck (db: LedgerDatabase, options: TransferLogCheckOptions = {}): Promise<AccountsCheckReport> {
  const ledger = await checkLedger(db)
  const log = await checkTransferLog(db, options)
  const violations = [...ledger.violations.map((v) => `ledger: ${v}`), ...log.violations.map((v) => `log: ${v}`)]
  return { ok: violations.length === 0, violations, ledger, log }
}
