/**
 * The circuit reservation fee (DESIGN.md §4.5, §5.1 `circuit.reservationFee`): each accepted RESERVE
 * (new or refresh) buys `reservationTtlMs` of slot and costs the fee, paid by the TAU address the
 * peer is bound to. It is charged like a sync: a hold of exactly the fee (no free quota: the quota
 * is bytes, a slot is not), then one ledger batch that debits it and writes a transfer record with
 * status `reservation` (no blocks, no root, no selector), committed to the signed log before the
 * reservation is granted. So "charged iff logged" holds for fees too, and the payer's statement and
 * the log show every fee.
 *
 * A payer who cannot cover the whole fee is refused (`ExceedsBalanceError` → `insufficient_funds`)
 * with its partial hold released: a slot is never sold for less than the policy's price.
 */
import { randomBytes } from 'node:crypto'
import { ExceedsBalanceError } from '../accounting/errors.js'
import { formatTauAddress } from '../protocol/tau-address.js'
import type { Hold, OpenHoldArgs, RequestOutcome, SettleArgs } from '../accounting/ledger-holds.js'
import type { LogReceipt } from '../accounting/transfer-log.js'
import type { UnsequencedRecord } from '../accounting/transfer-log-keys.js'
import type { ReservationCharger } from './admission.js'

/** What the charger uses: the ledger's holds and the transfer log's settle. */
export interface ReservationFeeComponents {
  ledger: {
    openHold: (args: OpenHoldArgs) => Promise<Hold>
    releaseHold: (requestId: Uint8Array, nowMs?: number) => Promise<RequestOutcome>
  }
  transferLog: {
    settle: (args: SettleArgs, record: UnsequencedRecord) => Promise<{ outcome: RequestOutcome, receipt: LogReceipt }>
  }
}

/** Bytes of a request id (DESIGN.md §4.1 `id: bytes16`); fees use random ones, never a requester's. */
const FEE_REQUEST_ID_BYTES = 16

/** Charges reservation fees through the ledger and the transfer log. */
export class ReservationFeeCharger implements ReservationCharger {
  private readonly components: ReservationFeeComponents

  constructor (components: ReservationFeeComponents) {
    this.components = components
  }

  /** Holds and settles `feeNanoTau` for `peer`'s reservation; resolves once the record is committed. */
  async charge (args: { payer: Uint8Array, peer: Uint8Array, feeNanoTau: bigint, nowMs: number }): Promise<void> {
    const requestId = new Uint8Array(randomBytes(FEE_REQUEST_ID_BYTES))
    const { ledger, transferLog } = this.components
    const hold = await ledger.openHold({ requestId, payer: args.payer, maxChargeNanoTau: args.feeNanoTau, maxFreeBytes: 0, nowMs: args.nowMs })
    if (hold.heldNanoTau < args.feeNanoTau) {
      await ledger.releaseHold(requestId, args.nowMs)
      throw new ExceedsBalanceError(formatTauAddress(args.payer), args.feeNanoTau, hold.heldNanoTau)
    }
    try {
      await transferLog.settle({ requestId, chargeNanoTau: args.feeNanoTau, freeBytesUsed: 0, billableBytes: 0, nowMs: args.nowMs }, {
        requestId,
        payer: args.payer,
        peer: args.peer,
        root: null,
        selector: null,
        blocks: 0,
        bytes: 0,
        freeBytes: 0,
        charge: args.feeNanoTau,
        status: 'reservation',
        startMs: args.nowMs,
        endMs: args.nowMs
      })
    } catch (err: unknown) {
      // a failed settle wrote nothing; a failed commit is finished by the log's restart sweep
      await ledger.releaseHold(requestId, args.nowMs).catch(() => {})
      throw err
    }
  }
}
