/**
 * The end of an admitted sync (DESIGN.md §4.1 step 6, §5.3–5.4). A sync that forwarded at least
 * one block is a transfer: its charge and its record commit in one ledger batch
 * (`TransferLog.settle`), and the result carries the receipt once the group commit is fsynced —
 * also when the charge is 0 (free quota), since quota was used. A sync that forwarded nothing is
 * not a transfer: its hold is released and nothing is logged ("charged iff logged" holds with
 * nothing charged and nothing logged). The target's seeding credit, when one is due, is credited in
 * the same batch as the charge, so a credit exists if and only if its transfer is logged.
 */
import type { Hold, RequestOutcome, SettleArgs } from '../../accounting/ledger-holds.js'
import type { LogReceipt } from '../../accounting/transfer-log.js'
import type { UnsequencedRecord } from '../../accounting/transfer-log-keys.js'
import type { TransferCharge } from '../../accounting/charge.js'
import type { SyncResult } from '../../protocol/relay-sync/messages.js'
import type { SyncOutcome } from '../../protocol/status.js'
import type { CID } from 'multiformats/cid'

/** The ledger method used to end a sync without a transfer. */
export interface SettleLedger {
  releaseHold: (requestId: Uint8Array, nowMs?: number) => Promise<RequestOutcome>
}

/** The transfer log method used to end a sync with a transfer. */
export interface SettleLog {
  settle: (args: SettleArgs, record: UnsequencedRecord) => Promise<{ outcome: RequestOutcome, receipt: LogReceipt }>
}

/** What a finished sync did. */
export interface FinishedSync {
  hold: Hold
  status: Exclude<SyncOutcome, 'rejected'>
  peer: Uint8Array
  root: CID | null
  selectorCid: CID
  blocks: number
  bytes: number
  charge: TransferCharge
  startMs: number
  endMs: number
  /** The seeder's earnings for this sync (0 when none is due). */
  seedingCredit?: { address: Uint8Array, amountNanoTau: bigint }
}

/** Releases or settles the hold of a finished sync and returns the result to send. */
export async function finishSync (ledger: SettleLedger, log: SettleLog, sync: FinishedSync): Promise<SyncResult> {
  const { hold } = sync
  if (sync.blocks === 0) {
    const released = await ledger.releaseHold(hold.requestId, sync.endMs)
    return { status: sync.status, root: sync.root, blocks: 0, bytes: 0, freeBytes: 0, charge: 0n, balanceAfter: released.balanceNanoTau }
  }
  const record: UnsequencedRecord = {
    requestId: hold.requestId,
    payer: hold.payer,
    peer: sync.peer,
    root: sync.root,
    selector: sync.selectorCid,
    blocks: sync.blocks,
    bytes: sync.bytes,
    freeBytes: sync.charge.freeBytes,
    charge: sync.charge.chargeNanoTau,
    status: sync.status,
    startMs: sync.startMs,
    endMs: Math.max(sync.endMs, sync.startMs)
  }
  const { outcome, receipt } = await log.settle({
    requestId: hold.requestId,
    chargeNanoTau: sync.charge.chargeNanoTau,
    freeBytesUsed: sync.charge.freeBytes,
    billableBytes: sync.charge.billableBytes,
    seedingCredit: sync.seedingCredit,
    nowMs: sync.endMs
  }, record)
  return {
    status: sync.status,
    root: sync.root,
    blocks: sync.blocks,
    bytes: sync.bytes,
    freeBytes: sync.charge.freeBytes,
    charge: sync.charge.chargeNanoTau,
    balanceAfter: outcome.balanceNanoTau,
    receipt: { record: receipt.record, head: receipt.head, proof: receipt.proof }
  }
}
