/**
 * Typed errors of the relay-sync service, its client and the target peer toolkit. Wire and
 * accounting failures use the classes of protocol/errors.ts and accounting/errors.ts.
 */

/** A concurrency limit of the relay (global, per payer, per target) is reached. */
export class SyncBusyError extends Error {
  static name = 'SyncBusyError'
  readonly limit: 'global' | 'payer' | 'target'
  readonly max: number

  constructor (limit: 'global' | 'payer' | 'target', max: number, message = `relay busy: ${limit} concurrency limit ${max} reached`) {
    super(message)
    this.name = 'SyncBusyError'
    this.limit = limit
    this.max = max
  }
}

/** A request id this payer (or anyone) already used: it is held, settled or in flight. */
export class SyncReplayedError extends Error {
  static name = 'SyncReplayedError'
  readonly requestId: string

  constructor (requestId: string, message = `request id ${requestId} was already used`) {
    super(message)
    this.name = 'SyncReplayedError'
    this.requestId = requestId
  }
}

/** The relay refused a sync before any block; `reason` is the wire rejection reason. */
export class SyncRejectedError extends Error {
  static name = 'SyncRejectedError'
  readonly reason: string

  constructor (reason: string, message = `relay rejected the sync: ${reason}`) {
    super(message)
    this.name = 'SyncRejectedError'
    this.reason = reason
  }
}

/**
 * The relay broke the protocol: a block the local walk did not need or that does not hash to its
 * CID, a result that disagrees with what arrived, a receipt that does not verify (`what` says which).
 */
export class RelayMisbehavedError extends Error {
  static name = 'RelayMisbehavedError'
  readonly what: string

  constructor (what: string, message = `relay misbehaved: ${what}`, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RelayMisbehavedError'
    this.what = what
  }
}

/** The relay-sync stream ended without a result frame (reset, truncated, or closed early). */
export class SyncStreamError extends Error {
  static name = 'SyncStreamError'

  constructor (message = 'relay-sync stream ended without a result', options?: ErrorOptions) {
    super(message, options)
    this.name = 'SyncStreamError'
  }
}

/** The target answered a future-state request with "not active on this chain". */
export class FutureStateNotActiveError extends Error {
  static name = 'FutureStateNotActiveError'
  readonly chain: string

  constructor (chain: string, message = `target is not active on chain ${chain}`) {
    super(message)
    this.name = 'FutureStateNotActiveError'
    this.chain = chain
  }
}

/** The relay refused a peer binding sent over `/tau/identity/1.0.0`. */
export class BindingRejectedError extends Error {
  static name = 'BindingRejectedError'
  readonly reason: string

  constructor (reason: string, message = `relay refused the peer binding: ${reason}`) {
    super(message)
    this.name = 'BindingRejectedError'
    this.reason = reason
  }
}

/** The requester's stream closed or reset mid-sync, or stopped taking frames in time. */
export class RequesterGoneError extends Error {
  static name = 'RequesterGoneError'

  constructor (message = 'requester gone', options?: ErrorOptions) {
    super(message, options)
    this.name = 'RequesterGoneError'
  }
}
