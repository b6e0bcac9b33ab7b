/**
 * Attachment pieces (DESIGN.md §1): the TGZ cut into ATTACHMENT_PIECE_BYTES raw blocks, the last
 * one shorter. Cutting copies each chunk once into a fresh piece buffer, so memory is one piece
 * plus whatever chunk the source is handing over.
 */
import { CID } from 'multiformats/cid'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { RAW_CODE, verifyBlock } from '../../protocol/block.js'
import { sha256 } from '../../protocol/hashes.js'
import { InvalidAttachmentPieceError } from './errors.js'

/** The CID of a piece: CIDv1, raw, sha2-256. */
export function pieceCid (bytes: Uint8Array): CID {
  return CID.createV1(RAW_CODE, sha256.digest(bytes))
}

/**
 * Checks one piece: a raw CIDv1, at most ATTACHMENT_PIECE_BYTES, bytes hashing to the CID
 * (BlockHashMismatchError otherwise). Returns the bytes for chaining.
 */
export function verifyPiece (cid: CID, bytes: Uint8Array): Uint8Array {
  if (cid.version !== 1 || cid.code !== RAW_CODE) throw new InvalidAttachmentPieceError('not_raw', cid.toString())
  if (bytes.byteLength > ATTACHMENT_PIECE_BYTES) throw new InvalidAttachmentPieceError('too_large', cid.toString())
  verifyBlock(cid, bytes)
  return bytes
}

/** Cuts a byte stream into pieces of exactly `pieceBytes` (the last one shorter, never empty unless the stream is). */
export async function * chunkPieces (source: AsyncIterable<Uint8Array>, pieceBytes = ATTACHMENT_PIECE_BYTES): AsyncGenerator<Uint8Array> {
  let piece = new Uint8Array(pieceBytes)
  let filled = 0
  for await (const chunk of source) {
    let offset = 0
    while (offset < chunk.byteLength) {
      const take = Math.min(pieceBytes - filled, chunk.byteLength - offset)
      piece.set(chunk.subarray(offset, offset + take), filled)
      filled += take
      offset += take
      if (filled === pieceBytes) {
        yield piece
        piece = new Uint8Array(pieceBytes)
        filled = 0
      }
    }
  }
  if (filled > 0) yield piece.slice(0, filled)
}

/**
 * Checks that pieces arrive the way a publisher cuts them: every piece but the last exactly
 * ATTACHMENT_PIECE_BYTES. A short piece followed by another is InvalidAttachmentPieceError.
 */
export async function * checkPieceSizes (pieces: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let short = false
  let n = 0
  for await (const piece of pieces) {
    n++
    if (short) throw new InvalidAttachmentPieceError('short_piece', `#${n - 1}`)
    if (piece.byteLength > ATTACHMENT_PIECE_BYTES) throw new InvalidAttachmentPieceError('too_large', `#${n}`)
    short = piece.byteLength < ATTACHMENT_PIECE_BYTES
    yield piece
  }
}
