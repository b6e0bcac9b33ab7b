/**
 * Public API of `tau-relay/accounting`: ledger, charges, settlement transactions, statements,
 * policy store and transfer log.
 */
export * from './errors.js'
export { MAX_AMOUNT_NANO_TAU, NANO_TAU_PER_TAU, parseAmountNanoTau, formatAmountNanoTau, checkAmountNanoTau, addAmounts } from './amounts.js'
export { BYTES_PER_MIB, billableCharge, priceBlock, chargeBlocks, ChargeMeter, seedingCreditFor } from './charge.js'
export type { Pricing, BlockCharge, TransferCharge } from './charge.js'
export { Ledger, DEFAULT_FREE_QUOTA_BYTES, DEFAULT_FREE_QUOTA_PERIOD_MS } from './ledger.js'
export type { LedgerComponents, LedgerInit, AccountView } from './ledger.js'
export type { OpenHoldArgs, Hold, SettleArgs, RequestOutcome } from './ledger-holds.js'
export type { SettlementImport, SeedingCreditArgs, SeedingCredit } from './ledger-credits.js'
export type { LedgerCheckReport, LedgerTotals } from './ledger-check.js'
export { verifyStatement } from './ledger-statement.js'
export type { Statement, StatementEntry, StatementRange } from './ledger-statement.js'
export { signSettlementTx, verifySettlementTx, encodeSettlementTx, decodeSettlementTx, settlementTxid } from './settlement-tx.js'
export type { SettlementTx, UnsignedSettlementTx } from './settlement-tx.js'

// the ledger behind one interface, and its PostgreSQL backend for fleets (DESIGN.md §8)
export { isExternalLogLedger } from './ledger-api.js'
export type { LedgerBackend, ExternalLogLedger, LoggedSettle } from './ledger-api.js'
export { PostgresLedger, DEFAULT_POSTGRES_POOL_SIZE } from './ledger-postgres/postgres-ledger.js'
export type { PostgresLedgerComponents, PostgresLedgerInit } from './ledger-postgres/postgres-ledger.js'
export { FleetLogSync } from './ledger-postgres/fleet-log.js'
export type { ReconcileReport } from './ledger-postgres/fleet-log.js'
export { checkPostgresLedger } from './ledger-postgres/check.js'
export type { PostgresCheckReport } from './ledger-postgres/check.js'
export { migrate as migratePostgresLedger } from './ledger-postgres/migrate.js'
