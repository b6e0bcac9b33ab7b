/**
 * `accounts check`: recomputes every ledger invariant from the raw key space, trusting no stored
 * total. The journal is the source of truth; accounts, outcomes, settlements and the indexes must
 * all agree with it. Reads every ledger key into memory: an offline/admin operation.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { LedgerCorruptError } from './errors.js'
import { LEDGER_SCHEMA_VERSION, META_JOURNAL_SEQ, META_SCHEMA, PREFIX, addressJournalKey, metaKey, readUint64, settlementNonceKey } from './ledger-keys.js'
import { decodeAccount, decodeHold, decodeJournal, decodeOutcome, decodeSettlement, decodeUint } from './ledger-codec.js'
import { decodeSettlementTx } from './settlement-tx.js'
import { bytesEqual, hex } from './ledger-state.js'
import type { AccountRecord, HoldRecord, JournalEntry, OutcomeRecord, SettlementRecord } from './ledger-codec.js'
import type { LedgerDatabase } from './ledger-state.js'

/** Totals recomputed by a check. */
export interface LedgerTotals {
  accounts: number
  openHolds: number
  outcomes: number
  settlements: number
  journalEntries: number
  balanceNanoTau: bigint
  seedingCreditNanoTau: bigint
  heldNanoTau: bigint
  settlementCreditsNanoTau: bigint
  seedingCreditsNanoTau: bigint
  chargesNanoTau: bigint
}

/** Result of `check()`: ok when no invariant is violated. */
export interface LedgerCheckReport {
  ok: boolean
  violations: string[]
  totals: LedgerTotals
}

/** Journal sums of one address. */
interface Sums { settlement: bigint, seeding: bigint, charge: bigint, fromSeeding: bigint, freeBytes: number, billableBytes: number, charges: number, held: bigint, heldFree: number }

const KEY_LENGTHS: Record<number, number> = {
  [PREFIX.ACCOUNT]: 21, [PREFIX.HOLD]: 17, [PREFIX.OUTCOME]: 17, [PREFIX.SETTLEMENT]: 33, [PREFIX.SETTLEMENT_NONCE]: 29, [PREFIX.JOURNAL]: 9, [PREFIX.ADDRESS_JOURNAL]: 37
}

interface Loaded {
  meta: Map<string, Uint8Array>
  accounts: Map<string, AccountRecord>
  holds: Map<string, HoldRecord>
  outcomes: Map<string, OutcomeRecord>
  settlements: Map<string, SettlementRecord>
  nonces: Map<string, Uint8Array>
  journal: Map<number, JournalEntry>
  index: Set<string>
}

async function load (db: LedgerDatabase, violations: string[]): Promise<Loaded> {
  const l: Loaded = { meta: new Map(), accounts: new Map(), holds: new Map(), outcomes: new Map(), settlements: new Map(), nonces: new Map(), journal: new Map(), index: new Set() }
  const lt = new Uint8Array([PREFIX.ADDRESS_JOURNAL + 1])
  for await (const [key, value] of db.iterator({ gte: new Uint8Array(0), lt })) {
    const prefix = key[0]
    const id = hex(key.subarray(1))
    if (KEY_LENGTHS[prefix] !== undefined && key.length !== KEY_LENGTHS[prefix]) {
      violations.push(`key ${hex(key)} has the wrong length for prefix ${prefix}`)
      continue
    }
    try {
      if (prefix === PREFIX.META) l.meta.set(new TextDecoder().decode(key.subarray(1)), value)
      else if (prefix === PREFIX.ACCOUNT) l.accounts.set(id, decodeAccount(key, value))
      else if (prefix === PREFIX.HOLD) l.holds.set(id, decodeHold(key, value))
      else if (prefix === PREFIX.OUTCOME) l.outcomes.set(id, decodeOutcome(key, value))
      else if (prefix === PREFIX.SETTLEMENT) l.settlements.set(id, decodeSettlement(key, value))
      else if (prefix === PREFIX.SETTLEMENT_NONCE) l.nonces.set(id, value)
      else if (prefix === PREFIX.JOURNAL) l.journal.set(readUint64(key, 1), decodeJournal(key, value))
      else if (prefix === PREFIX.ADDRESS_JOURNAL) l.index.add(hex(key))
      else violations.push(`key ${hex(key)} has an unknown prefix`)
    } catch (err: unknown) {
      if (!(err instanceof LedgerCorruptError)) throw err
      violations.push(err.message)
    }
  }
  return l
}

function sumsOf (map: Map<string, Sums>, address: Uint8Array): Sums {
  const key = hex(address)
  let s = map.get(key)
  if (s === undefined) {
    s = { settlement: 0n, seeding: 0n, charge: 0n, fromSeeding: 0n, freeBytes: 0, billableBytes: 0, charges: 0, held: 0n, heldFree: 0 }
    map.set(key, s)
  }
  return s
}

function checkMeta (l: Loaded, v: string[]): void {
  try {
    checkMetaValues(l, v)
  } catch (err: unknown) {
    if (!(err instanceof LedgerCorruptError)) throw err
    v.push(err.message)
  }
}

function checkMetaValues (l: Loaded, v: string[]): void {
  const schema = l.meta.get(META_SCHEMA)
  if (schema === undefined || decodeUint(metaKey(META_SCHEMA), schema) !== LEDGER_SCHEMA_VERSION) v.push('meta schema is missing or not the current version')
  const seqBytes = l.meta.get(META_JOURNAL_SEQ)
  const nextSeq = seqBytes === undefined ? 0 : decodeUint(metaKey(META_JOURNAL_SEQ), seqBytes)
  for (const seq of l.journal.keys()) {
    if (seq >= nextSeq) v.push(`journal entry ${seq} is at or past the next seq ${nextSeq}`)
  }
}

function checkJournal (l: Loaded, v: string[], sums: Map<string, Sums>): void {
  const indexed = new Set<string>()
  for (const [seq, e] of l.journal) {
    const indexKey = hex(addressJournalKey(e.address, e.tsMs, seq))
    indexed.add(indexKey)
    if (!l.index.has(indexKey)) v.push(`journal entry ${seq} is missing from the address index`)
    const s = sumsOf(sums, e.address)
    if (e.kind === 'settlement') {
      s.settlement += e.amountNanoTau
      const record = l.settlements.get(hex(e.ref))
      if (record?.journalSeq !== seq) v.push(`settlement journal entry ${seq} has no settlement record pointing at it`)
    } else if (e.kind === 'seeding') {
      s.seeding += e.amountNanoTau
      // a credit earned by serving a sync names that sync, which must have been settled
      if (e.ref.length > 0 && l.outcomes.get(hex(e.ref))?.status !== 'settled') v.push(`seeding journal entry ${seq} names request ${hex(e.ref)} that was not settled`)
    } else {
      if (e.fromSeedingNanoTau > e.amountNanoTau) v.push(`charge ${seq} takes more from seeding credit than it charges`)
      s.charge += e.amountNanoTau
      s.fromSeeding += e.fromSeedingNanoTau
      s.freeBytes += e.freeBytes
      s.billableBytes += e.billableBytes
      s.charges++
      const outcome = l.outcomes.get(hex(e.ref))
      if (outcome?.journalSeq !== seq) v.push(`charge journal entry ${seq} has no settled outcome pointing at it`)
    }
  }
  for (const key of l.index) {
    if (!indexed.has(key)) v.push(`address index entry ${key} points at no journal entry`)
  }
}

function checkRecords (l: Loaded, v: string[], sums: Map<string, Sums>): void {
  for (const [txid, record] of l.settlements) {
    let from: Uint8Array | undefined
    try {
      const tx = decodeSettlementTx(record.tx)
      from = tx.from
      if (hex(sha256(record.tx)) !== txid) v.push(`settlement ${txid} is stored under the wrong txid`)
      if (hex(l.nonces.get(hex(settlementNonceKey(tx.from, tx.nonce).subarray(1))) ?? new Uint8Array(0)) !== txid) v.push(`settlement ${txid} has no nonce index entry`)
      const e = l.journal.get(record.journalSeq)
      if (e?.kind !== 'settlement' || hex(e.ref) !== txid || !bytesEqual(e.address, from) || e.amountNanoTau !== tx.amountNanoTau) {
        v.push(`settlement ${txid} does not match journal entry ${record.journalSeq}`)
      }
    } catch (err: unknown) {
      v.push(`settlement ${txid}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  for (const [key, txid] of l.nonces) {
    if (!l.settlements.has(hex(txid))) v.push(`nonce index entry ${key} points at no settlement`)
  }
  for (const [id, o] of l.outcomes) {
    if (l.holds.has(id)) v.push(`request ${id} has both an open hold and an outcome`)
    if (o.status === 'released') {
      if (o.chargeNanoTau !== 0n || o.journalSeq !== -1) v.push(`released request ${id} carries a charge`)
      continue
    }
    const e = l.journal.get(o.journalSeq)
    if (e?.kind !== 'charge' || hex(e.ref) !== id || !bytesEqual(e.address, o.payer) || e.amountNanoTau !== o.chargeNanoTau || e.fromSeedingNanoTau !== o.fromSeedingNanoTau) {
      v.push(`settled request ${id} does not match journal entry ${o.journalSeq}`)
    }
  }
  for (const [id, h] of l.holds) {
    if (h.heldNanoTau > h.maxChargeNanoTau || h.heldFreeBytes > h.maxFreeBytes) v.push(`hold ${id} holds more than it asked for`)
    const s = sumsOf(sums, h.payer)
    s.held += h.heldNanoTau
    s.heldFree += h.heldFreeBytes
  }
}

function checkAccounts (l: Loaded, v: string[], sums: Map<string, Sums>, totals: LedgerTotals): void {
  for (const address of sums.keys()) {
    if (!l.accounts.has(address)) v.push(`address ${address} has journal entries or holds but no account`)
  }
  for (const [address, a] of l.accounts) {
    const s = sums.get(address) ?? sumsOf(new Map(), new Uint8Array(0))
    const fail = (what: string): void => { v.push(`account ${address}: ${what}`) }
    if (a.balanceNanoTau !== s.settlement - (s.charge - s.fromSeeding)) fail('balance ≠ settlement credits − charges paid from balance')
    if (a.seedingCreditNanoTau !== s.seeding - s.fromSeeding) fail('seeding credit ≠ seeding credits − charges paid from seeding')
    if (a.creditedNanoTau !== s.settlement || a.seededNanoTau !== s.seeding || a.chargedNanoTau !== s.charge) fail('lifetime amounts ≠ journal sums')
    if (a.freeBytesTotal !== s.freeBytes || a.billableBytesTotal !== s.billableBytes || a.settledCount !== s.charges) fail('lifetime byte counters ≠ journal sums')
    if (a.heldNanoTau !== s.held || a.heldFreeBytes !== s.heldFree) fail('held amounts ≠ open holds')
    if (a.heldNanoTau > a.balanceNanoTau + a.seedingCreditNanoTau) fail('open holds exceed what the address can pay')
    if (a.freeQuotaUsedBytes + a.heldFreeBytes > a.freeQuotaBytes) fail('free quota used and held exceeds the quota')
    totals.balanceNanoTau += a.balanceNanoTau
    totals.seedingCreditNanoTau += a.seedingCreditNanoTau
    totals.heldNanoTau += a.heldNanoTau
  }
}

/** Recomputes every invariant from the raw key space. */
export async function checkLedger (db: LedgerDatabase): Promise<LedgerCheckReport> {
  const violations: string[] = []
  const l = await load(db, violations)
  const sums = new Map<string, Sums>()
  checkMeta(l, violations)
  checkJournal(l, violations, sums)
  checkRecords(l, violations, sums)
  const totals: LedgerTotals = {
    accounts: l.accounts.size,
    openHolds: l.holds.size,
    outcomes: l.outcomes.size,
    settlements: l.settlements.size,
    journalEntries: l.journal.size,
    balanceNanoTau: 0n,
    seedingCreditNanoTau: 0n,
    heldNanoTau: 0n,
    settlementCreditsNanoTau: 0n,
    seedingCreditsNanoTau: 0n,
    chargesNanoTau: 0n
  }
  checkAccounts(l, violations, sums, totals)
  for (const s of sums.values()) {
    totals.settlementCreditsNanoTau += s.settlement
    totals.seedingCreditsNanoTau += s.seeding
    totals.chargesNanoTau += s.charge
  }
  // the global books: what is in accounts is what came in minus what was charged
  if (totals.balanceNanoTau + totals.seedingCreditNanoTau !== totals.settlementCreditsNanoTau + totals.seedingCreditsNanoTau - totals.chargesNanoTau) {
    violations.push('sum of balances and seeding credit ≠ credits − charges')
  }
  return { ok: violations.length === 0, violations, totals }
}
