/**
 * Holds and their settlement (DESIGN.md §4.1 step 2, §5.3): a request reserves
 * min(maxCharge, balance + seeding credit − open holds) nanoTAU and up to the unreserved free
 * quota in bytes; it then settles once (debit ≤ hold, free bytes ≤ reserved) or is released.
 * Each function reads and checks, and returns the writes of one atomic batch; `Ledger` commits.
 */
import assert from 'node:assert'
import { ChargeExceedsHoldError, ExceedsBalanceError, FreeBytesExceedHoldError, HoldNotFoundError, AmountOverflowError, RequestIdReusedError } from './errors.js'
import { addAmounts, checkAmountNanoTau, MAX_AMOUNT_NANO_TAU } from './amounts.js'
import { accountKey, holdKey, outcomeKey, TRANSFER_LOG_PREFIXES } from './ledger-keys.js'
import { decodeHold, decodeOutcome, encodeRecord } from './ledger-codec.js'
import {
  addressText, availableNanoTau, bytesEqual, checkAddress, checkRequestId, checkUint, freeQuotaAvailableBytes,
  hex, newAccount, readAccount, rollFreeQuotaPeriod, WriteSet
} from './ledger-state.js'
import type { HoldRecord, OutcomeRecord } from './ledger-codec.js'
import type { LedgerBatchOp, LedgerContext } from './ledger-state.js'

/** A request for a hold. */
export interface OpenHoldArgs {
  /** The sync request id (16 bytes); one id is one request, forever. */
  requestId: Uint8Array
  payer: Uint8Array
  /** Most the request may cost (the request's `maxCharge`); 0 = free quota only. */
  maxChargeNanoTau: bigint
  /** Most free-quota bytes to reserve (the request's `maxBytes`). @default all unreserved free quota */
  maxFreeBytes?: number
  nowMs?: number
}

/** An open hold. */
export interface Hold {
  requestId: Uint8Array
  payer: Uint8Array
  heldNanoTau: bigint
  heldFreeBytes: number
  openedMs: number
}

/** The final charge of a request. */
export interface SettleArgs {
  requestId: Uint8Array
  chargeNanoTau: bigint
  freeBytesUsed: number
  billableBytes: number
  /** Writes committed in the same batch: the transfer log's pending record (its prefixes only). */
  extraBatchOps?: LedgerBatchOp[]
  /**
   * Seeding credit earned by the target that served the blocks, credited in the same batch as the
   * charge (DESIGN.md §5.1, §10). Nothing is credited when the amount is 0 or the seeder is the payer.
   */
  seedingCredit?: { address: Uint8Array, amountNanoTau: bigint }
  nowMs?: number
}

/** How a request ended, with the payer's balance afterwards. */
export interface RequestOutcome extends OutcomeRecord {
  requestId: Uint8Array
  balanceNanoTau: bigint
  seedingCreditNanoTau: bigint
}

/** Result of an operation: the writes to commit (none for an idempotent repeat) and the answer. */
export interface Planned<T> {
  writes?: WriteSet
  result: T
}

async function readHold (ctx: LedgerContext, requestId: Uint8Array): Promise<HoldRecord | undefined> {
  const bytes = await ctx.reader.get(holdKey(requestId))
  return bytes === undefined ? undefined : decodeHold(holdKey(requestId), bytes)
}

async function readOutcome (ctx: LedgerContext, requestId: Uint8Array): Promise<OutcomeRecord | undefined> {
  const bytes = await ctx.reader.get(outcomeKey(requestId))
  return bytes === undefined ? undefined : decodeOutcome(outcomeKey(requestId), bytes)
}

async function withBalance (ctx: LedgerContext, requestId: Uint8Array, outcome: OutcomeRecord): Promise<RequestOutcome> {
  const account = await readAccount(ctx.reader, outcome.payer)
  assert(account !== undefined, 'an outcome without its account')
  return { ...outcome, requestId, balanceNanoTau: account.balanceNanoTau, seedingCreditNanoTau: account.seedingCreditNanoTau }
}

/** Plans a hold; a repeat of the same open request returns the existing hold without writing. */
export async function planOpenHold (ctx: LedgerContext, args: OpenHoldArgs, nowMs: number): Promise<Planned<Hold>> {
  const requestId = checkRequestId(args.requestId)
  const payer = checkAddress(args.payer, 'payer')
  const maxFreeBytes = args.maxFreeBytes === undefined ? Number.MAX_SAFE_INTEGER : checkUint(args.maxFreeBytes, 'maxFreeBytes')
  const maxChargeNanoTau = checkAmountNanoTau(args.maxChargeNanoTau, 'maxChargeNanoTau', { allowZero: true })

  if (await readOutcome(ctx, requestId) !== undefined) throw new RequestIdReusedError(hex(requestId))
  const existing = await readHold(ctx, requestId)
  if (existing !== undefined) {
    const same = bytesEqual(existing.payer, payer) && existing.maxChargeNanoTau === maxChargeNanoTau && existing.maxFreeBytes === maxFreeBytes
    if (!same) throw new RequestIdReusedError(hex(requestId))
    return { result: { requestId, payer, heldNanoTau: existing.heldNanoTau, heldFreeBytes: existing.heldFreeBytes, openedMs: existing.openedMs } }
  }

  const account = rollFreeQuotaPeriod(ctx, await readAccount(ctx.reader, payer) ?? newAccount(ctx, nowMs), nowMs)
  // balance and seeding credit are each ≤ MAX, so their sum may not be: a stored total must be
  const headroom = MAX_AMOUNT_NANO_TAU - account.heldNanoTau
  const spendable = availableNanoTau(account)
  const available = spendable < headroom ? spendable : headroom
  const heldNanoTau = maxChargeNanoTau < available ? maxChargeNanoTau : available
  const heldFreeBytes = Math.min(maxFreeBytes, freeQuotaAvailableBytes(account))
  if (heldNanoTau === 0n && heldFreeBytes === 0) throw new ExceedsBalanceError(addressText(payer), maxChargeNanoTau, available)

  const hold: HoldRecord = { payer, heldNanoTau, heldFreeBytes, maxChargeNanoTau, maxFreeBytes, openedMs: nowMs }
  const writes = new WriteSet(ctx.nextJournalSeq)
  writes.put(accountKey(payer), encodeRecord({
    ...account,
    heldNanoTau: account.heldNanoTau + heldNanoTau,
    heldFreeBytes: account.heldFreeBytes + heldFreeBytes
  }))
  writes.put(holdKey(requestId), encodeRecord(hold))
  return { writes, result: { requestId, payer, heldNanoTau, heldFreeBytes, openedMs: nowMs } }
}

function sameCharge (outcome: OutcomeRecord, args: SettleArgs): boolean {
  return outcome.status === 'settled' && outcome.chargeNanoTau === args.chargeNanoTau &&
    outcome.freeBytes === args.freeBytesUsed && outcome.billableBytes === args.billableBytes
}

/** Plans the settle batch: debit, free quota, close the hold, store the outcome, and the caller's log writes. */
export async function planSettle (ctx: LedgerContext, args: SettleArgs, nowMs: number): Promise<Planned<RequestOutcome>> {
  const requestId = checkRequestId(args.requestId)
  const freeBytes = checkUint(args.freeBytesUsed, 'freeBytesUsed')
  const billableBytes = checkUint(args.billableBytes, 'billableBytes')
  const chargeNanoTau = checkAmountNanoTau(args.chargeNanoTau, 'chargeNanoTau', { allowZero: true })
  for (const op of args.extraBatchOps ?? []) {
    // our own transfer log is the only caller; writing ledger keys from outside would break check()
    assert(op.key.length > 0 && TRANSFER_LOG_PREFIXES.includes(op.key[0]), 'extraBatchOps may only write transfer-log keys')
  }

  const previous = await readOutcome(ctx, requestId)
  if (previous !== undefined) {
    // the same settle again (a retry after a lost answer) returns what was stored; anything else is a reuse
    if (!sameCharge(previous, args)) throw new RequestIdReusedError(hex(requestId))
    return { result: await withBalance(ctx, requestId, previous) }
  }
  const hold = await readHold(ctx, requestId)
  if (hold === undefined) throw new HoldNotFoundError(hex(requestId))
  if (chargeNanoTau > hold.heldNanoTau) throw new ChargeExceedsHoldError(chargeNanoTau, hold.heldNanoTau)
  if (freeBytes > hold.heldFreeBytes) throw new FreeBytesExceedHoldError(freeBytes, hold.heldFreeBytes)

  const stored = await readAccount(ctx.reader, hold.payer)
  assert(stored !== undefined && stored.heldNanoTau >= hold.heldNanoTau && stored.heldFreeBytes >= hold.heldFreeBytes, 'a hold without its account reservation')
  // free bytes count in the period in force now, as when another hold had rolled the period first
  const account = rollFreeQuotaPeriod(ctx, stored, nowMs)
  const chargedNanoTau = addAmounts(account.chargedNanoTau, chargeNanoTau)
  if (chargedNanoTau === undefined) throw new AmountOverflowError(addressText(hold.payer), 'chargedNanoTau')
  const freeBytesTotal = account.freeBytesTotal + freeBytes
  const billableBytesTotal = account.billableBytesTotal + billableBytes
  if (!Number.isSafeInteger(freeBytesTotal) || !Number.isSafeInteger(billableBytesTotal)) {
    throw new AmountOverflowError(addressText(hold.payer), 'bytesTotal')
  }
  // seeding credit is spent first: it cannot be withdrawn, the balance (bought with TAU) can
  const fromSeedingNanoTau = chargeNanoTau < account.seedingCreditNanoTau ? chargeNanoTau : account.seedingCreditNanoTau
  const fromBalanceNanoTau = chargeNanoTau - fromSeedingNanoTau
  assert(fromBalanceNanoTau <= account.balanceNanoTau, 'a hold larger than what the account can pay')

  const writes = new WriteSet(ctx.nextJournalSeq)
  const journalSeq = writes.journal({
    kind: 'charge', address: hold.payer, amountNanoTau: chargeNanoTau, fromSeedingNanoTau, ref: requestId, freeBytes, billableBytes, tsMs: nowMs
  })
  const after = {
    ...account,
    balanceNanoTau: account.balanceNanoTau - fromBalanceNanoTau,
    seedingCreditNanoTau: account.seedingCreditNanoTau - fromSeedingNanoTau,
    heldNanoTau: account.heldNanoTau - hold.heldNanoTau,
    heldFreeBytes: account.heldFreeBytes - hold.heldFreeBytes,
    freeQuotaUsedBytes: account.freeQuotaUsedBytes + freeBytes,
    chargedNanoTau,
    freeBytesTotal,
    billableBytesTotal,
    settledCount: account.settledCount + 1
  }
  const outcome: OutcomeRecord = {
    payer: hold.payer, status: 'settled', chargeNanoTau, fromSeedingNanoTau, freeBytes, billableBytes, journalSeq, closedMs: nowMs
  }
  writes.put(accountKey(hold.payer), encodeRecord(after))
  writes.del(holdKey(requestId))
  writes.put(outcomeKey(requestId), encodeRecord(outcome))
  await planSettleSeedingCredit(ctx, writes, { payer: hold.payer, requestId, credit: args.seedingCredit, nowMs })
  for (const op of args.extraBatchOps ?? []) writes.ops.push(op)
  return { writes, result: { ...outcome, requestId, balanceNanoTau: after.balanceNanoTau, seedingCreditNanoTau: after.seedingCreditNanoTau } }
}

/**
 * Adds the seeder's credit to a settle batch: a `seeding` journal entry whose ref is the request id
 * (so `check()` can tie it to the settled outcome) and the seeder's account. A seeder that is the
 * payer earns nothing: paying oneself through the relay would turn the operator's credit into a
 * loop that pays for the payer's own syncs.
 */
async function planSettleSeedingCredit (ctx: LedgerContext, writes: WriteSet, args: { payer: Uint8Array, requestId: Uint8Array, credit: SettleArgs['seedingCredit'], nowMs: number }): Promise<void> {
  const credit = args.credit
  if (credit === undefined) return
  const address = checkAddress(credit.address, 'seedingCredit.address')
  const amountNanoTau = checkAmountNanoTau(credit.amountNanoTau, 'seedingCredit.amountNanoTau', { allowZero: true })
  if (amountNanoTau === 0n || bytesEqual(address, args.payer)) return
  const before = await readAccount(ctx.reader, address) ?? newAccount(ctx, args.nowMs)
  const seedingCreditNanoTau = addAmounts(before.seedingCreditNanoTau, amountNanoTau)
  const seededNanoTau = addAmounts(before.seededNanoTau, amountNanoTau)
  if (seedingCreditNanoTau === undefined || seededNanoTau === undefined) throw new AmountOverflowError(addressText(address), 'seedingCreditNanoTau')
  writes.journal({
    kind: 'seeding', address, amountNanoTau, fromSeedingNanoTau: 0n, ref: args.requestId, freeBytes: 0, billableBytes: 0, tsMs: args.nowMs
  })
  writes.put(accountKey(address), encodeRecord({ ...before, seedingCreditNanoTau, seededNanoTau }))
}

/** Plans releasing a hold without charge; releasing a released request again is a no-op. */
export async function planRelease (ctx: LedgerContext, requestIdArg: Uint8Array, nowMs: number): Promise<Planned<RequestOutcome>> {
  const requestId = checkRequestId(requestIdArg)
  const previous = await readOutcome(ctx, requestId)
  if (previous !== undefined) {
    if (previous.status !== 'released') throw new RequestIdReusedError(hex(requestId))
    return { result: await withBalance(ctx, requestId, previous) }
  }
  const hold = await readHold(ctx, requestId)
  if (hold === undefined) throw new HoldNotFoundError(hex(requestId))
  const account = await readAccount(ctx.reader, hold.payer)
  assert(account !== undefined && account.heldNanoTau >= hold.heldNanoTau && account.heldFreeBytes >= hold.heldFreeBytes, 'a hold without its account reservation')

  const outcome: OutcomeRecord = {
    payer: hold.payer, status: 'released', chargeNanoTau: 0n, fromSeedingNanoTau: 0n, freeBytes: 0, billableBytes: 0, journalSeq: -1, closedMs: nowMs
  }
  const writes = new WriteSet(ctx.nextJournalSeq)
  writes.put(accountKey(hold.payer), encodeRecord({
    ...account,
    heldNanoTau: account.heldNanoTau - hold.heldNanoTau,
    heldFreeBytes: account.heldFreeBytes - hold.heldFreeBytes
  }))
  writes.del(holdKey(requestId))
  writes.put(outcomeKey(requestId), encodeRecord(outcome))
  return { writes, result: { ...outcome, requestId, balanceNanoTau: account.balanceNanoTau, seedingCreditNanoTau: account.seedingCreditNanoTau } }
}
