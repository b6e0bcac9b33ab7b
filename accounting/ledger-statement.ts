/**
 * Account statements (DESIGN.md §5.3, `accounts statement`): every credit and debit of one address
 * in a time range, read from the journal's address index, signed by the operator's TAU key under
 * `TAU_DOMAIN.statement` so the address holder can show what they paid.
 */
import { TAU_DOMAIN } from '../protocol/tau-domains.js'
import { signTau, verifyTau } from '../protocol/tau-signature.js'
import { tauAddressFromPrivateKey } from '../protocol/tau-address.js'
import { StatementTooLargeError } from './errors.js'
import { PREFIX, journalKey, prefixRange, readUint64, uint64Bytes } from './ledger-keys.js'
import { decodeJournal } from './ledger-codec.js'
import { checkAddress, checkUint } from './ledger-state.js'
import type { JournalKind } from './ledger-codec.js'
import type { LedgerContext } from './ledger-state.js'

/** Most entries in one statement; a larger range must be split. Bounds memory and the signed size. */
export const DEFAULT_MAX_STATEMENT_ENTRIES = 10_000

/** One line of a statement. */
export interface StatementEntry {
  seq: number
  kind: JournalKind
  amountNanoTau: bigint
  fromSeedingNanoTau: bigint
  /** txid of a settlement, request id of a charge or of the sync a seeding credit was earned in (empty for a direct credit). */
  ref: Uint8Array
  freeBytes: number
  billableBytes: number
  tsMs: number
}

/** A signed statement of one address over `[fromMs, toMs)`. */
export interface Statement {
  v: 1
  /** The signer: the operator's TAU address. */
  relay: Uint8Array
  address: Uint8Array
  fromMs: number
  toMs: number
  issuedAtMs: number
  entries: StatementEntry[]
  /** Settlement credits in the range. */
  creditedNanoTau: bigint
  /** Seeding credits in the range. */
  seededNanoTau: bigint
  /** Charges in the range. */
  chargedNanoTau: bigint
  sig: Uint8Array
}

/** A time range in ms, `fromMs` inclusive, `toMs` exclusive. */
export interface StatementRange {
  fromMs: number
  toMs: number
}

/** Reads the entries of `address` in the range and signs the statement with `signerPrivateKey`. */
export async function buildStatement (ctx: LedgerContext, addressArg: Uint8Array, range: StatementRange, signerPrivateKey: Uint8Array, issuedAtMs: number, maxEntries = DEFAULT_MAX_STATEMENT_ENTRIES): Promise<Statement> {
  const address = checkAddress(addressArg, 'address')
  const fromMs = checkUint(range.fromMs, 'fromMs')
  const toMs = Math.max(fromMs, checkUint(range.toMs, 'toMs'))
  const { gte } = prefixRange(PREFIX.ADDRESS_JOURNAL, address, uint64Bytes(fromMs))
  const { gte: lt } = prefixRange(PREFIX.ADDRESS_JOURNAL, address, uint64Bytes(toMs))

  const entries: StatementEntry[] = []
  let creditedNanoTau = 0n
  let seededNanoTau = 0n
  let chargedNanoTau = 0n
  for await (const [key] of ctx.db.iterator({ gte, lt })) {
    if (entries.length === maxEntries) throw new StatementTooLargeError(maxEntries)
    // key = prefix(1) ‖ address(20) ‖ tsMs(8) ‖ seq(8)
    const seq = readUint64(key, 29)
    const entryKey = journalKey(seq)
    const bytes = await ctx.db.get(entryKey)
    if (bytes === undefined) continue // check() reports a dangling index entry; a statement lists what exists
    const entry = decodeJournal(entryKey, bytes)
    entries.push({
      seq,
      kind: entry.kind,
      amountNanoTau: entry.amountNanoTau,
      fromSeedingNanoTau: entry.fromSeedingNanoTau,
      ref: entry.ref,
      freeBytes: entry.freeBytes,
      billableBytes: entry.billableBytes,
      tsMs: entry.tsMs
    })
    if (entry.kind === 'settlement') creditedNanoTau += entry.amountNanoTau
    if (entry.kind === 'seeding') seededNanoTau += entry.amountNanoTau
    if (entry.kind === 'charge') chargedNanoTau += entry.amountNanoTau
  }
  const unsigned = {
    v: 1 as const,
    relay: tauAddressFromPrivateKey(signerPrivateKey),
    address,
    fromMs,
    toMs,
    issuedAtMs,
    entries,
    creditedNanoTau,
    seededNanoTau,
    chargedNanoTau
  }
  return { ...unsigned, sig: signTau(signerPrivateKey, TAU_DOMAIN.statement, unsigned as unknown as Record<string, unknown>) }
}

/** Verifies a statement's signature by its `relay` address (and, if given, that it is `expectedRelay`). */
export function verifyStatement (statement: Statement, expectedRelay: Uint8Array = statement.relay): void {
  const { sig, ...unsigned } = statement
  verifyTau(TAU_DOMAIN.statement, unsigned as unknown as Record<string, unknown>, sig, expectedRelay)
}
