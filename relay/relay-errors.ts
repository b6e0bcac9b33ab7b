/**
 * Typed errors of the relay service's lifecycle (relay/relay.ts): one class per failure, libp2p
 * form (`static name`, default message, `this.name`).
 */
import type { ReservationRejectionReason } from './metrics-labels.js'

/** A part of the relay (ledger, log, node, …) was used before `start()` finished or after `stop()`. */
export class RelayNotRunningError extends Error {
  static name = 'RelayNotRunningError'
  /** Which part was asked for. */
  readonly part: string

  constructor (part: string, message = `the relay is not running: no ${part}`) {
    super(message)
    this.name = 'RelayNotRunningError'
    this.part = part
  }
}

/** A circuit relay reservation refused by admission (relay/admission.ts); `reason` is its metric label. */
export class ReservationRefusedError extends Error {
  static name = 'ReservationRefusedError'
  readonly reason: ReservationRejectionReason

  constructor (reason: ReservationRejectionReason, message = `reservation refused: ${reason}`) {
    super(message)
    this.name = 'ReservationRefusedError'
    this.reason = reason
  }
}
