/**
 * JSON forms of ledger and policy values, shared by the admin API and the CLI so that a command
 * prints the same thing whether it talks to a running relay or to a stopped relay's data dir.
 * Amounts are decimal strings of nanoTAU, addresses TAU text, other bytes lower-case hex.
 */
import { base58btc } from 'multiformats/bases/base58'
import { toHex } from 'multiformats/bytes'
import { formatTauAddress } from '../protocol/tau-address.js'
import type { AccountView } from '../accounting/ledger.js'
import type { LedgerCheckReport } from '../accounting/ledger-check.js'
import type { SettlementImport } from '../accounting/ledger-credits.js'
import type { Statement } from '../accounting/ledger-statement.js'
import type { PeerBinding } from '../protocol/peer-binding-codec.js'
import type { StoredPolicy } from './http/sources.js'

/** JSON of an account. */
export function accountJson (a: AccountView): Record<string, string | number> {
  return {
    address: formatTauAddress(a.address),
    balanceNanoTau: a.balanceNanoTau.toString(),
    seedingCreditNanoTau: a.seedingCreditNanoTau.toString(),
    heldNanoTau: a.heldNanoTau.toString(),
    availableNanoTau: a.availableNanoTau.toString(),
    heldFreeBytes: a.heldFreeBytes,
    freeQuotaBytes: a.freeQuotaBytes,
    freeQuotaUsedBytes: a.freeQuotaUsedBytes,
    freeQuotaAvailableBytes: a.freeQuotaAvailableBytes,
    freeQuotaPeriodStartMs: a.freeQuotaPeriodStartMs,
    creditedNanoTau: a.creditedNanoTau.toString(),
    seededNanoTau: a.seededNanoTau.toString(),
    chargedNanoTau: a.chargedNanoTau.toString(),
    freeBytesTotal: a.freeBytesTotal,
    billableBytesTotal: a.billableBytesTotal,
    settledCount: a.settledCount,
    createdMs: a.createdMs
  }
}

/** JSON of a settlement import. */
export function settlementImportJson (s: SettlementImport): Record<string, string | number | boolean> {
  return {
    txid: toHex(s.txid),
    from: formatTauAddress(s.from),
    amountNanoTau: s.amountNanoTau.toString(),
    duplicate: s.duplicate,
    journalSeq: s.journalSeq,
    balanceNanoTau: s.balanceNanoTau.toString()
  }
}

/** JSON of a signed statement (its signature covers the DAG-CBOR form, see accounting/ledger-statement.ts). */
export function statementJson (s: Statement): Record<string, unknown> {
  return {
    v: s.v,
    relay: formatTauAddress(s.relay),
    address: formatTauAddress(s.address),
    fromMs: s.fromMs,
    toMs: s.toMs,
    issuedAtMs: s.issuedAtMs,
    creditedNanoTau: s.creditedNanoTau.toString(),
    seededNanoTau: s.seededNanoTau.toString(),
    chargedNanoTau: s.chargedNanoTau.toString(),
    entries: s.entries.map((e) => ({
      seq: e.seq,
      kind: e.kind,
      amountNanoTau: e.amountNanoTau.toString(),
      fromSeedingNanoTau: e.fromSeedingNanoTau.toString(),
      ref: toHex(e.ref),
      freeBytes: e.freeBytes,
      billableBytes: e.billableBytes,
      tsMs: e.tsMs
    })),
    sig: toHex(s.sig)
  }
}

/** JSON of a ledger check report. */
export function checkReportJson (r: LedgerCheckReport): Record<string, unknown> {
  const totals: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(r.totals)) totals[key] = typeof value === 'bigint' ? value.toString() : value
  return { ok: r.ok, violations: r.violations, totals }
}

/** A short JSON summary of a stored policy (for history listings). */
export function policySummaryJson (p: StoredPolicy): Record<string, string | number | null> {
  return {
    cid: p.cid.toString(),
    issuedAtMs: p.doc.issuedAtMs,
    validFromMs: p.doc.validFromMs,
    honouredUntilMs: p.doc.honouredUntilMs ?? null
  }
}

/** JSON of a peer binding (the same form `PUT /admin/bindings` accepts). */
export function bindingJson (b: PeerBinding): Record<string, string | number> {
  return {
    tau: formatTauAddress(b.tau),
    peer: base58btc.baseEncode(b.peer),
    issuedAtMs: b.issuedAtMs,
    expiresAtMs: b.expiresAtMs,
    peerSig: toHex(b.peerSig),
    tauSig: toHex(b.tauSig)
  }
}
