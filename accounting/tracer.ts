/**
 * Metric hooks of the accounting layer, go-libp2p `MetricsTracer` style (STYLE.md 5.2): the
 * ledger and the transfer log report domain events through these interfaces, and relay/metrics.ts
 * implements them with prom-client. accounting/ never imports a metrics library; a component
 * without a tracer simply reports nothing. Arguments carry amounts and counts only, never an
 * address or a request id, so an implementation cannot make per-address labels from them.
 */

/** How a hold ended. */
export type HoldOutcome = 'settled' | 'released'

/** Events of the ledger (accounting/ledger.ts). */
export interface LedgerTracer {
  /** A hold was opened for a request. */
  holdOpened: () => void
  /**
   * A hold was closed: `settled` with its charge (nanoTAU), the free-quota bytes and the billable
   * bytes it covered, or `released` without a charge (then all three are zero).
   */
  settled: (outcome: HoldOutcome, chargeNanoTau: bigint, freeBytes: number, billableBytes: number) => void
  /** A settlement transaction credited `amountNanoTau` (not called for a duplicate import). */
  settlementImported: (amountNanoTau: bigint) => void
  /** A target peer earned seeding credit. */
  seedingCredited: (amountNanoTau: bigint) => void
}

/** Events of the transfer log (accounting/transfer-log.ts). */
export interface TransferLogTracer {
  /** A group commit wrote a signed head covering `records` new records, taking `durationMs`. */
  logCommitted: (records: number, durationMs: number) => void
  /** A group commit failed; its records stay pending for the next one. */
  logCommitFailed: () => void
}
