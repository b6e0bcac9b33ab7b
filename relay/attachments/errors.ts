/**
 * Typed errors of TAU attachments (publish, index, unpack): one class per failure, libp2p form
 * (`static name`, default message, `this.name`), readonly context fields. A piece whose bytes do
 * not hash to its CID is protocol/errors.ts `BlockHashMismatchError`; a block a CAR does not hold
 * is `BlockNotFoundError`.
 */

/** Why a piece index is refused. */
export type AttachmentIndexProblem = 'empty' | 'bad_key' | 'bad_value' | 'missing_piece' | 'too_many_pieces' | 'wrong_piece_count'

/** An attachment root whose HAMT is not a piece list keyed exactly 1..m with raw CIDv1 values. */
export class InvalidAttachmentIndexError extends Error {
  static name = 'InvalidAttachmentIndexError'
  readonly reason: AttachmentIndexProblem
  /** The piece number concerned, when there is one. */
  readonly piece?: number

  constructor (reason: AttachmentIndexProblem, piece?: number, message = `invalid attachment index: ${reason}${piece === undefined ? '' : ` (piece ${piece})`}`) {
    super(message)
    this.name = 'InvalidAttachmentIndexError'
    this.reason = reason
    if (piece !== undefined) this.piece = piece
  }
}

/** Why a piece is refused before its hash is even checked. */
export type AttachmentPieceProblem = 'not_raw' | 'too_large' | 'short_piece'

/** A piece that cannot be part of an attachment: not a raw CIDv1, over 256 KiB, or short before the last. */
export class InvalidAttachmentPieceError extends Error {
  static name = 'InvalidAttachmentPieceError'
  readonly reason: AttachmentPieceProblem
  readonly cid: string

  constructor (reason: AttachmentPieceProblem, cid: string, message = `invalid attachment piece ${cid}: ${reason}`) {
    super(message)
    this.name = 'InvalidAttachmentPieceError'
    this.reason = reason
    this.cid = cid
  }
}

/** Why a tar entry is refused. */
export type UnsafeEntryProblem = 'absolute' | 'traversal' | 'link_escape' | 'entry_type'

/** A tar entry that would write outside the destination (or is a device/FIFO); nothing is kept. */
export class UnsafeAttachmentEntryError extends Error {
  static name = 'UnsafeAttachmentEntryError'
  readonly path: string
  readonly reason: UnsafeEntryProblem

  constructor (path: string, reason: UnsafeEntryProblem, message = `unsafe attachment entry ${JSON.stringify(path)}: ${reason}`) {
    super(message)
    this.name = 'UnsafeAttachmentEntryError'
    this.path = path
    this.reason = reason
  }
}

/** Verified pieces whose bytes are not a gzip'd tar (corrupt, truncated, or a decompression bomb). */
export class AttachmentArchiveError extends Error {
  static name = 'AttachmentArchiveError'
  /** node-tar's or zlib's code (`TAR_BAD_ARCHIVE`, `Z_DATA_ERROR`, …) when there is one. */
  readonly tarCode?: string

  constructor (detail: string, tarCode?: string, message = `attachment is not a valid TGZ: ${detail}`) {
    super(message)
    this.name = 'AttachmentArchiveError'
    if (tarCode !== undefined) this.tarCode = tarCode
  }
}

/** Why an input of `publish`/`unpack` is refused. */
export type AttachmentInputProblem = 'not_found' | 'outside_cwd' | 'unsupported_type' | 'too_many_entries' | 'ambiguous_root' | 'destination_not_empty'

/** A path handed to publish or unpack that cannot be used; `path` names it. */
export class AttachmentInputError extends Error {
  static name = 'AttachmentInputError'
  readonly path: string
  readonly reason: AttachmentInputProblem

  constructor (path: string, reason: AttachmentInputProblem, message = `${path}: ${reason.replaceAll('_', ' ')}`) {
    super(message)
    this.name = 'AttachmentInputError'
    this.path = path
    this.reason = reason
  }
}
