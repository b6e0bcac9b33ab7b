/**
 * Typed errors of the attachment downloader. The spend cap error lives in protocol/errors.ts
 * (SpendCapReachedError) with the other errors an app shows its user.
 */

/** The attachment index (HAMT) is not a valid index of pieces 1..m: `reason` says how. */
export class AttachmentIndexError extends Error {
  static name = 'AttachmentIndexError'
  readonly reason: 'missing_piece' | 'extra_piece' | 'misplaced_key' | 'too_deep' | 'piece_size'
  readonly piece: number

  constructor (reason: AttachmentIndexError['reason'], piece: number, message = `attachment index: ${reason} (piece ${piece})`) {
    super(message)
    this.name = 'AttachmentIndexError'
    this.reason = reason
    this.piece = piece
  }
}

/** Every route was dropped (too many failures in a row) while pieces were still missing. */
export class NoRouteLeftError extends Error {
  static name = 'NoRouteLeftError'
  readonly missingPieces: number

  constructor (missingPieces: number, message = `every route failed; ${missingPieces} pieces missing`) {
    super(message)
    this.name = 'NoRouteLeftError'
    this.missingPieces = missingPieces
  }
}

/** One unit failed on every try it was given. */
export class UnitAttemptsExhaustedError extends Error {
  static name = 'UnitAttemptsExhaustedError'
  readonly firstPiece: number
  readonly attempts: number

  constructor (firstPiece: number, attempts: number, message = `pieces from ${firstPiece} failed ${attempts} times`) {
    super(message)
    this.name = 'UnitAttemptsExhaustedError'
    this.firstPiece = firstPiece
    this.attempts = attempts
  }
}

/** The partial file's sidecar belongs to another attachment (other root or piece count). */
export class ProgressMismatchError extends Error {
  static name = 'ProgressMismatchError'
  readonly path: string

  constructor (path: string, message = `${path} records another attachment; remove it or choose another output`) {
    super(message)
    this.name = 'ProgressMismatchError'
    this.path = path
  }
}
