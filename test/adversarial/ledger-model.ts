/**
 * A plain in-memory reference model of the ledger (DESIGN.md §5.2, §5.3 and the ledger decisions
 * of §10), written as simply as possible so that it can be read against the design line by line:
 * per address balance, seeding credit, open holds and free quota used per period; per request id
 * the hold and then the outcome; settlements by txid and by (sender, nonce); one journal. It knows
 * nothing of LevelDB, batches or caches: the adversarial tests compare the real ledger with it.
 */

/** Settings the model shares with the ledger under test. */
export interface ModelConfig {
  freeQuotaBytes: number
  /** 0 = the free quota is granted once per address. */
  freeQuotaPeriodMs: number
  maxStatementEntries: number
}

/** Everything the ledger keeps per address (its AccountRecord), as plain values. */
export interface ModelAccount {
  balanceNanoTau: bigint
  seedingCreditNanoTau: bigint
  heldNanoTau: bigint
  heldFreeBytes: number
  freeQuotaBytes: number
  freeQuotaUsedBytes: number
  freeQuotaPeriodStartMs: number
  creditedNanoTau: bigint
  seededNanoTau: bigint
  chargedNanoTau: bigint
  freeBytesTotal: number
  billableBytesTotal: number
  settledCount: number
  createdMs: number
}

/** An open hold. */
export interface ModelHold { payer: string, heldNanoTau: bigint, heldFreeBytes: number, maxChargeNanoTau: bigint, maxFreeBytes: number, openedMs: number }

/** How a request ended. */
export interface ModelOutcome {
  payer: string
  status: 'settled' | 'released'
  chargeNanoTau: bigint
  fromSeedingNanoTau: bigint
  freeBytes: number
  billableBytes: number
  journalSeq: number
  closedMs: number
}

/** One journal line: a credit or a charge. */
export interface ModelJournalEntry {
  seq: number
  kind: 'settlement' | 'seeding' | 'charge'
  address: string
  amountNanoTau: bigint
  fromSeedingNanoTau: bigint
  ref: string
  freeBytes: number
  billableBytes: number
  tsMs: number
}

/** A settlement transaction as the model sees it (the generator knows whether it signed it right). */
export interface ModelSettlement { txid: string, from: string, to: string, amountNanoTau: bigint, nonce: number, signatureValid: boolean }

/** An operation's answer: its value, or the name of the typed error it was refused with. */
export type ModelResult = { ok: true, value: Record<string, unknown> } | { ok: false, error: string }

const ok = (value: Record<string, unknown>): ModelResult => ({ ok: true, value })
const no = (error: string): ModelResult => ({ ok: false, error })
const min = (a: bigint, b: bigint): bigint => a < b ? a : b

/** The charge of blocks against a free quota (DESIGN.md §5.2): free if it fits, else ceil(bytes × perMiB / 2^20) + perBlock. */
export function modelCharge (blockSizes: number[], perBlockNanoTau: bigint, perMiBNanoTau: bigint, freeBytes: number): { chargeNanoTau: bigint, freeBytes: number, billableBytes: number } {
  let quota = freeBytes
  const total = { chargeNanoTau: 0n, freeBytes: 0, billableBytes: 0 }
  for (const size of blockSizes) {
    if (size <= quota) {
      quota -= size
      total.freeBytes += size
      continue
    }
    const billable = size - quota
    total.freeBytes += quota
    quota = 0
    total.billableBytes += billable
    total.chargeNanoTau += (BigInt(billable) * perMiBNanoTau + (1n << 20n) - 1n) / (1n << 20n) + perBlockNanoTau
  }
  return total
}

/** An account as it stands at `nowMs` (a copy): once its free-quota period has ended a new one starts. */
export function accountAt (a: ModelAccount, nowMs: number, config: ModelConfig): ModelAccount {
  const period = config.freeQuotaPeriodMs
  if (period === 0 || nowMs < a.freeQuotaPeriodStartMs + period) return { ...a }
  // periods are counted from the account's first one; bytes held by open holds stay held
  const start = a.freeQuotaPeriodStartMs + Math.floor((nowMs - a.freeQuotaPeriodStartMs) / period) * period
  return { ...a, freeQuotaBytes: config.freeQuotaBytes, freeQuotaUsedBytes: 0, freeQuotaPeriodStartMs: start }
}

/** The ledger, in memory. */
export class LedgerModel {
  readonly accounts = new Map<string, ModelAccount>()
  readonly holds = new Map<string, ModelHold>()
  readonly outcomes = new Map<string, ModelOutcome>()
  readonly settlements = new Map<string, { journalSeq: number }>()
  readonly nonces = new Map<string, string>()
  readonly journal: ModelJournalEntry[] = []
  private readonly config: ModelConfig
  private readonly operator: string

  constructor (config: ModelConfig, operator: string) {
    this.config = config
    this.operator = operator
  }

  /** An address's account as it stands at `nowMs` (a copy). */
  accountAt (address: string, nowMs: number): ModelAccount | undefined {
    const a = this.accounts.get(address)
    return a === undefined ? undefined : accountAt(a, nowMs, this.config)
  }

  private fresh (nowMs: number): ModelAccount {
    const zero = { balanceNanoTau: 0n, seedingCreditNanoTau: 0n, heldNanoTau: 0n, creditedNanoTau: 0n, seededNanoTau: 0n, chargedNanoTau: 0n }
    const none = { heldFreeBytes: 0, freeQuotaUsedBytes: 0, freeBytesTotal: 0, billableBytesTotal: 0, settledCount: 0 }
    return { ...zero, ...none, freeQuotaBytes: this.config.freeQuotaBytes, freeQuotaPeriodStartMs: nowMs, createdMs: nowMs }
  }

  private addJournal (entry: Omit<ModelJournalEntry, 'seq'>): number {
    const seq = this.journal.length
    this.journal.push({ seq, ...entry })
    return seq
  }

  private outcomeValue (id: string, o: ModelOutcome): Record<string, unknown> {
    const a = this.accounts.get(o.payer) as ModelAccount
    return { requestId: id, ...o, balanceNanoTau: a.balanceNanoTau, seedingCreditNanoTau: a.seedingCreditNanoTau }
  }

  /** Holds min(maxCharge, balance + seeding credit − held) and up to maxFreeBytes of unreserved free quota. */
  openHold (id: string, payer: string, maxChargeNanoTau: bigint, maxFreeBytesArg: number | undefined, nowMs: number): ModelResult {
    const maxFreeBytes = maxFreeBytesArg ?? Number.MAX_SAFE_INTEGER
    if (this.outcomes.has(id)) return no('RequestIdReusedError')
    const open = this.holds.get(id)
    if (open !== undefined) {
      // the same request asked again gets the same hold; another request under the id is refused
      if (open.payer !== payer || open.maxChargeNanoTau !== maxChargeNanoTau || open.maxFreeBytes !== maxFreeBytes) return no('RequestIdReusedError')
      return ok({ requestId: id, payer, heldNanoTau: open.heldNanoTau, heldFreeBytes: open.heldFreeBytes, openedMs: open.openedMs })
    }
    const a = this.accountAt(payer, nowMs) ?? this.fresh(nowMs)
    const heldNanoTau = min(maxChargeNanoTau, a.balanceNanoTau + a.seedingCreditNanoTau - a.heldNanoTau)
    const heldFreeBytes = Math.min(maxFreeBytes, Math.max(0, a.freeQuotaBytes - a.freeQuotaUsedBytes - a.heldFreeBytes))
    if (heldNanoTau === 0n && heldFreeBytes === 0) return no('ExceedsBalanceError')
    a.heldNanoTau += heldNanoTau
    a.heldFreeBytes += heldFreeBytes
    this.accounts.set(payer, a)
    this.holds.set(id, { payer, heldNanoTau, heldFreeBytes, maxChargeNanoTau, maxFreeBytes, openedMs: nowMs })
    return ok({ requestId: id, payer, heldNanoTau, heldFreeBytes, openedMs: nowMs })
  }

  /** Charges a held request once: seeding credit first, then balance; the same settle again answers the same. */
  settle (id: string, chargeNanoTau: bigint, freeBytes: number, billableBytes: number, nowMs: number): ModelResult {
    const done = this.outcomes.get(id)
    if (done !== undefined) {
      const same = done.status === 'settled' && done.chargeNanoTau === chargeNanoTau && done.freeBytes === freeBytes && done.billableBytes === billableBytes
      return same ? ok(this.outcomeValue(id, done)) : no('RequestIdReusedError')
    }
    const hold = this.holds.get(id)
    if (hold === undefined) return no('HoldNotFoundError')
    if (chargeNanoTau > hold.heldNanoTau) return no('ChargeExceedsHoldError')
    if (freeBytes > hold.heldFreeBytes) return no('FreeBytesExceedHoldError')
    // free bytes are used in the period in force when the transfer ends
    const a = this.accountAt(hold.payer, nowMs) as ModelAccount
    const fromSeedingNanoTau = min(chargeNanoTau, a.seedingCreditNanoTau)
    a.seedingCreditNanoTau -= fromSeedingNanoTau
    a.balanceNanoTau -= chargeNanoTau - fromSeedingNanoTau
    a.heldNanoTau -= hold.heldNanoTau
    a.heldFreeBytes -= hold.heldFreeBytes
    a.freeQuotaUsedBytes += freeBytes
    a.chargedNanoTau += chargeNanoTau
    a.freeBytesTotal += freeBytes
    a.billableBytesTotal += billableBytes
    a.settledCount++
    this.accounts.set(hold.payer, a)
    const journalSeq = this.addJournal({ kind: 'charge', address: hold.payer, amountNanoTau: chargeNanoTau, fromSeedingNanoTau, ref: id, freeBytes, billableBytes, tsMs: nowMs })
    const outcome: ModelOutcome = { payer: hold.payer, status: 'settled', chargeNanoTau, fromSeedingNanoTau, freeBytes, billableBytes, journalSeq, closedMs: nowMs }
    this.holds.delete(id)
    this.outcomes.set(id, outcome)
    return ok(this.outcomeValue(id, outcome))
  }

  /** Releases a hold without charge; releasing it again answers the same. */
  release (id: string, nowMs: number): ModelResult {
    const done = this.outcomes.get(id)
    if (done !== undefined) return done.status === 'released' ? ok(this.outcomeValue(id, done)) : no('RequestIdReusedError')
    const hold = this.holds.get(id)
    if (hold === undefined) return no('HoldNotFoundError')
    const a = this.accounts.get(hold.payer) as ModelAccount
    a.heldNanoTau -= hold.heldNanoTau
    a.heldFreeBytes -= hold.heldFreeBytes
    const outcome: ModelOutcome = { payer: hold.payer, status: 'released', chargeNanoTau: 0n, fromSeedingNanoTau: 0n, freeBytes: 0, billableBytes: 0, journalSeq: -1, closedMs: nowMs }
    this.holds.delete(id)
    this.outcomes.set(id, outcome)
    return ok(this.outcomeValue(id, outcome))
  }

  /** Imports a settlement: credited once per txid; another transaction with a used (sender, nonce) is refused. */
  creditSettlement (tx: ModelSettlement, nowMs: number): ModelResult {
    if (tx.amountNanoTau === 0n) return no('AmountZeroError')
    if (!tx.signatureValid) return no('SettlementSignatureError')
    if (tx.to !== this.operator) return no('SettlementNotToOperatorError')
    const seen = this.settlements.get(tx.txid)
    if (seen !== undefined) {
      const balanceNanoTau = this.accounts.get(tx.from)?.balanceNanoTau ?? 0n
      return ok({ txid: tx.txid, from: tx.from, amountNanoTau: tx.amountNanoTau, duplicate: true, journalSeq: seen.journalSeq, balanceNanoTau })
    }
    if (this.nonces.has(`${tx.from}/${tx.nonce}`)) return no('SettlementNonceReusedError')
    const a = this.accountAt(tx.from, nowMs) ?? this.fresh(nowMs)
    a.balanceNanoTau += tx.amountNanoTau
    a.creditedNanoTau += tx.amountNanoTau
    this.accounts.set(tx.from, a)
    const journalSeq = this.addJournal({ kind: 'settlement', address: tx.from, amountNanoTau: tx.amountNanoTau, fromSeedingNanoTau: 0n, ref: tx.txid, freeBytes: 0, billableBytes: 0, tsMs: nowMs })
    this.settlements.set(tx.txid, { journalSeq })
    this.nonces.set(`${tx.from}/${tx.nonce}`, tx.txid)
    return ok({ txid: tx.txid, from: tx.from, amountNanoTau: tx.amountNanoTau, duplicate: false, journalSeq, balanceNanoTau: a.balanceNanoTau })
  }

  /** Credits seeding credit (spent before the balance, never withdrawn). */
  creditSeeding (address: string, amountNanoTau: bigint, nowMs: number): ModelResult {
    if (amountNanoTau === 0n) return no('AmountZeroError')
    const a = this.accountAt(address, nowMs) ?? this.fresh(nowMs)
    a.seedingCreditNanoTau += amountNanoTau
    a.seededNanoTau += amountNanoTau
    this.accounts.set(address, a)
    const journalSeq = this.addJournal({ kind: 'seeding', address, amountNanoTau, fromSeedingNanoTau: 0n, ref: '', freeBytes: 0, billableBytes: 0, tsMs: nowMs })
    return ok({ address, amountNanoTau, journalSeq, seedingCreditNanoTau: a.seedingCreditNanoTau })
  }

  /** Every journal line of `address` with fromMs ≤ tsMs < toMs, and their sums; refused above the entry limit. */
  statement (address: string, fromMs: number, toMsArg: number): ModelResult {
    const toMs = Math.max(fromMs, toMsArg)
    const entries = this.journal.filter((e) => e.address === address && e.tsMs >= fromMs && e.tsMs < toMs)
    if (entries.length > this.config.maxStatementEntries) return no('StatementTooLargeError')
    const sum = (kind: ModelJournalEntry['kind']): bigint => entries.filter((e) => e.kind === kind).reduce((s, e) => s + e.amountNanoTau, 0n)
    return ok({
      address,
      fromMs,
      toMs,
      entries: entries.map(({ address: _, ...e }) => e),
      creditedNanoTau: sum('settlement'),
      seededNanoTau: sum('seeding'),
      chargedNanoTau: sum('charge')
    })
  }
}
