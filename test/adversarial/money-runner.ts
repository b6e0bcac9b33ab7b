/**
 * Runs workload operations (money-workload.ts) on the real ledger and on the reference model
 * (ledger-model.ts) and puts both answers, and both states, in the same plain shape, so a test can
 * compare them with one `deepEqual`. Ledger answers are read from the public API; open holds and
 * outcomes, which the API does not list, from the raw key space (ledger-keys.ts layout).
 */
import { encodeSettlementTx, settlementTxid } from '../../accounting/settlement-tx.js'
import { verifyStatement } from '../../accounting/ledger-statement.js'
import { decodeHold, decodeOutcome } from '../../accounting/ledger-codec.js'
import { PREFIX, prefixRange } from '../../accounting/ledger-keys.js'
import { OPERATOR } from '../helpers/ledger.js'
import { accountAt } from './ledger-model.js'
import type { ClassicLevel } from 'classic-level'
import type { Ledger } from '../../accounting/ledger.js'
import type { Hold, RequestOutcome } from '../../accounting/ledger-holds.js'
import type { ModelAccount, ModelConfig, ModelResult, LedgerModel } from './ledger-model.js'
import type { Op } from './money-workload.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function holdValue (h: Hold): Record<string, unknown> {
  return { requestId: hex(h.requestId), payer: hex(h.payer), heldNanoTau: h.heldNanoTau, heldFreeBytes: h.heldFreeBytes, openedMs: h.openedMs }
}

function outcomeValue (o: RequestOutcome): Record<string, unknown> {
  return {
    requestId: hex(o.requestId),
    payer: hex(o.payer),
    status: o.status,
    chargeNanoTau: o.chargeNanoTau,
    fromSeedingNanoTau: o.fromSeedingNanoTau,
    freeBytes: o.freeBytes,
    billableBytes: o.billableBytes,
    journalSeq: o.journalSeq,
    closedMs: o.closedMs,
    balanceNanoTau: o.balanceNanoTau,
    seedingCreditNanoTau: o.seedingCreditNanoTau
  }
}

/**
 * Runs `op` on the ledger. The ledger call is made synchronously (before any await), so the
 * operations of a `Promise.all` batch reach the single writer in call order.
 */
export async function runOnLedger (ledger: Ledger, op: Op, nowMs: number): Promise<ModelResult> {
  try {
    switch (op.kind) {
      case 'credit': {
        const r = await ledger.creditSettlement(op.asBytes ? encodeSettlementTx(op.tx) : op.tx, nowMs)
        return { ok: true, value: { txid: hex(r.txid), from: hex(r.from), amountNanoTau: r.amountNanoTau, duplicate: r.duplicate, journalSeq: r.journalSeq, balanceNanoTau: r.balanceNanoTau } }
      }
      case 'seed': {
        const r = await ledger.creditSeeding({ address: op.address, amountNanoTau: op.amountNanoTau, nowMs })
        return { ok: true, value: { address: hex(r.address), amountNanoTau: r.amountNanoTau, journalSeq: r.journalSeq, seedingCreditNanoTau: r.seedingCreditNanoTau } }
      }
      case 'hold':
        return { ok: true, value: holdValue(await ledger.openHold({ requestId: op.requestId, payer: op.payer, maxChargeNanoTau: op.maxChargeNanoTau, maxFreeBytes: op.maxFreeBytes, nowMs })) }
      case 'settle':
        return { ok: true, value: outcomeValue(await ledger.settle({ ...op, nowMs })) }
      case 'release':
        return { ok: true, value: outcomeValue(await ledger.releaseHold(op.requestId, nowMs)) }
      case 'statement': {
        const s = await ledger.statement(op.address, { fromMs: op.fromMs, toMs: op.toMs }, OPERATOR.privateKey)
        verifyStatement(s, OPERATOR.address)
        const entries = s.entries.map((e) => ({ ...e, ref: hex(e.ref) }))
        return { ok: true, value: { address: hex(s.address), fromMs: s.fromMs, toMs: s.toMs, entries, creditedNanoTau: s.creditedNanoTau, seededNanoTau: s.seededNanoTau, chargedNanoTau: s.chargedNanoTau } }
      }
    }
  } catch (err: unknown) {
    if (!(err instanceof Error)) throw err
    return { ok: false, error: err.name }
  }
}

/** Runs `op` on the model. */
export function runOnModel (model: LedgerModel, op: Op, nowMs: number): ModelResult {
  switch (op.kind) {
    case 'credit': {
      const tx = op.tx
      return model.creditSettlement({ txid: hex(settlementTxid(tx)), from: hex(tx.from), to: hex(tx.to), amountNanoTau: tx.amountNanoTau, nonce: tx.nonce, signatureValid: op.signatureValid }, nowMs)
    }
    case 'seed': return model.creditSeeding(hex(op.address), op.amountNanoTau, nowMs)
    case 'hold': return model.openHold(hex(op.requestId), hex(op.payer), op.maxChargeNanoTau, op.maxFreeBytes, nowMs)
    case 'settle': return model.settle(hex(op.requestId), op.chargeNanoTau, op.freeBytesUsed, op.billableBytes, nowMs)
    case 'release': return model.release(hex(op.requestId), nowMs)
    case 'statement': return model.statement(hex(op.address), op.fromMs, op.toMs)
  }
}

/** Every account, open hold (and, with `outcomes`, every outcome) in one comparable shape. */
export interface State {
  accounts: Record<string, ModelAccount>
  holds: Record<string, unknown>
  outcomes?: Record<string, unknown>
}

/** The ledger's state at `nowMs`: accounts from `accounts()`, holds and outcomes from the key space. */
export async function ledgerState (ledger: Ledger, db: ClassicLevel<Uint8Array, Uint8Array>, nowMs: number, config: ModelConfig, outcomes = false): Promise<State> {
  const state: State = { accounts: {}, holds: {} }
  for await (const view of ledger.accounts()) {
    const { address, availableNanoTau: _a, freeQuotaAvailableBytes: _f, ...record } = view
    state.accounts[hex(address)] = accountAt(record, nowMs, config)
  }
  for await (const [key, value] of db.iterator(prefixRange(PREFIX.HOLD))) {
    const h = decodeHold(key, value)
    state.holds[hex(key.subarray(1))] = { ...h, payer: hex(h.payer) }
  }
  if (outcomes) {
    state.outcomes = {}
    for await (const [key, value] of db.iterator(prefixRange(PREFIX.OUTCOME))) {
      const o = decodeOutcome(key, value)
      state.outcomes[hex(key.subarray(1))] = { ...o, payer: hex(o.payer) }
    }
  }
  return state
}

/** The model's state at `nowMs`, in the same shape. */
export function modelState (model: LedgerModel, nowMs: number, config: ModelConfig, outcomes = false): State {
  const state: State = { accounts: {}, holds: {} }
  for (const address of [...model.accounts.keys()].sort()) state.accounts[address] = accountAt(model.accounts.get(address) as ModelAccount, nowMs, config)
  for (const [id, h] of [...model.holds.entries()].sort(([a], [b]) => a < b ? -1 : 1)) state.holds[id] = { ...h }
  if (outcomes) {
    state.outcomes = {}
    for (const [id, o] of [...model.outcomes.entries()].sort(([a], [b]) => a < b ? -1 : 1)) state.outcomes[id] = { ...o }
  }
  return state
}
