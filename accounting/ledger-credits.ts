/**
 * Credits (DESIGN.md §5.3): settlement imports of signed TAU transfers to the operator, which
 * credit the payer's balance once per txid, and seeding credit earned by target peers. Each
 * function checks everything, including overflow, before it returns the writes of one batch.
 */
import { AmountOverflowError, SettlementNonceReusedError, SettlementNotToOperatorError } from './errors.js'
import { addAmounts, checkAmountNanoTau } from './amounts.js'
import { accountKey, settlementKey, settlementNonceKey } from './ledger-keys.js'
import { decodeSettlement, encodeRecord } from './ledger-codec.js'
import { checkSettlementTx, decodeSettlementTx, encodeSettlementTx, settlementTxid, verifySettlementTx } from './settlement-tx.js'
import { addressText, bytesEqual, checkAddress, newAccount, readAccount, WriteSet } from './ledger-state.js'
import type { LedgerContext } from './ledger-state.js'
import type { Planned } from './ledger-holds.js'
import type { SettlementTx } from './settlement-tx.js'

/** What a settlement import did. */
export interface SettlementImport {
  txid: Uint8Array
  from: Uint8Array
  amountNanoTau: bigint
  /** True when this txid had been imported before: nothing was credited this time. */
  duplicate: boolean
  journalSeq: number
  balanceNanoTau: bigint
}

/** A seeding credit to an address. */
export interface SeedingCreditArgs {
  address: Uint8Array
  amountNanoTau: bigint
  nowMs?: number
}

/** What a seeding credit did. */
export interface SeedingCredit {
  address: Uint8Array
  amountNanoTau: bigint
  journalSeq: number
  seedingCreditNanoTau: bigint
}

/** Plans a settlement import; the same txid again credits nothing and reports `duplicate`. */
export async function planSettlement (ctx: LedgerContext, input: SettlementTx | Uint8Array, nowMs: number): Promise<Planned<SettlementImport>> {
  const tx = input instanceof Uint8Array ? decodeSettlementTx(input) : checkSettlementTx(input)
  if (ctx.operator === undefined || !bytesEqual(tx.to, ctx.operator)) throw new SettlementNotToOperatorError()

  const txid = settlementTxid(tx)
  const stored = await ctx.reader.get(settlementKey(txid))
  const account = await readAccount(ctx.reader, tx.from)
  if (stored !== undefined) {
    const record = decodeSettlement(settlementKey(txid), stored)
    return {
      result: { txid, from: tx.from, amountNanoTau: tx.amountNanoTau, duplicate: true, journalSeq: record.journalSeq, balanceNanoTau: account?.balanceNanoTau ?? 0n }
    }
  }
  // the txid hashes the signed bytes, signature included: a known txid was verified when it was
  // imported, so a repeat skips the ~1 ms recovery that would otherwise stall the single writer
  verifySettlementTx(tx)
  const nonceKey = settlementNonceKey(tx.from, tx.nonce)
  if (await ctx.reader.get(nonceKey) !== undefined) throw new SettlementNonceReusedError(tx.nonce)

  const before = account ?? newAccount(ctx, nowMs)
  const balanceNanoTau = addAmounts(before.balanceNanoTau, tx.amountNanoTau)
  if (balanceNanoTau === undefined) throw new AmountOverflowError(addressText(tx.from), 'balanceNanoTau')
  const creditedNanoTau = addAmounts(before.creditedNanoTau, tx.amountNanoTau)
  if (creditedNanoTau === undefined) throw new AmountOverflowError(addressText(tx.from), 'creditedNanoTau')

  const writes = new WriteSet(ctx.nextJournalSeq)
  const journalSeq = writes.journal({
    kind: 'settlement', address: tx.from, amountNanoTau: tx.amountNanoTau, fromSeedingNanoTau: 0n, ref: txid, freeBytes: 0, billableBytes: 0, tsMs: nowMs
  })
  writes.put(accountKey(tx.from), encodeRecord({ ...before, balanceNanoTau, creditedNanoTau }))
  writes.put(settlementKey(txid), encodeRecord({ tx: encodeSettlementTx(tx), journalSeq, importedMs: nowMs }))
  writes.put(nonceKey, txid)
  return { writes, result: { txid, from: tx.from, amountNanoTau: tx.amountNanoTau, duplicate: false, journalSeq, balanceNanoTau } }
}

/** Plans a seeding credit. */
export async function planSeedingCredit (ctx: LedgerContext, args: SeedingCreditArgs, nowMs: number): Promise<Planned<SeedingCredit>> {
  const address = checkAddress(args.address, 'address')
  const amountNanoTau = checkAmountNanoTau(args.amountNanoTau, 'amountNanoTau')
  const before = await readAccount(ctx.reader, address) ?? newAccount(ctx, nowMs)
  const seedingCreditNanoTau = addAmounts(before.seedingCreditNanoTau, amountNanoTau)
  if (seedingCreditNanoTau === undefined) throw new AmountOverflowError(addressText(address), 'seedingCreditNanoTau')
  const seededNanoTau = addAmounts(before.seededNanoTau, amountNanoTau)
  if (seededNanoTau === undefined) throw new AmountOverflowError(addressText(address), 'seededNanoTau')

  const writes = new WriteSet(ctx.nextJournalSeq)
  const journalSeq = writes.journal({
    kind: 'seeding', address, amountNanoTau, fromSeedingNanoTau: 0n, ref: new Uint8Array(0), freeBytes: 0, billableBytes: 0, tsMs: nowMs
  })
  writes.put(accountKey(address), encodeRecord({ ...before, seedingCreditNanoTau, seededNanoTau }))
  return { writes, result: { address, amountNanoTau, journalSeq, seedingCreditNanoTau } }
}
