/**
 * The TAU attachment format, shared by the publisher, the downloader and the target peer: a TGZ
 * chopped into fixed-size pieces stored as raw blocks, indexed by a HAMT keyed 1..m whose root is
 * the `attachmentRoot` (DESIGN.md §1).
 */
import { CID, varint } from 'multiformats'
import * as raw from 'multiformats/codecs/raw'
import { MalformedMessageError } from './errors.js'
import type { HamtOptions } from './hamt/types.js'

/** 256 KiB: the seed's "~250 KiB pieces", a power of two so offsets are piece × size. */
export const ATTACHMENT_PIECE_BYTES = 256 * 1024

/**
 * The piece index uses the Filecoin HAMT defaults (bitWidth 5, bucketSize 3, sha2-256): piece
 * numbers are chosen by the publisher, but hashing keeps the tree flat whatever m is, and any
 * go-hamt-ipld / ref-fvm reader can open it.
 */
export const ATTACHMENT_HAMT_OPTIONS: Readonly<HamtOptions> = Object.freeze({ bitWidth: 5, bucketSize: 3, hashAlg: 'sha2-256' })

/** Piece numbers are 1..m; 2^31 pieces of 256 KiB is 512 TiB, far past any attachment. */
export const MAX_ATTACHMENT_PIECES = 2 ** 31 - 1

/** The HAMT key of piece `n` (1-based): its unsigned varint. */
export function attachmentPieceKey (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ATTACHMENT_PIECES) {
    throw new MalformedMessageError('piece', `piece number must be an integer in 1..${MAX_ATTACHMENT_PIECES}`)
  }
  const key = new Uint8Array(varint.encodingLength(n))
  varint.encodeTo(n, key, 0)
  return key
}

/** The piece number of a HAMT key; rejects non-minimal or out-of-range varints. */
export function parseAttachmentPieceKey (key: Uint8Array): number {
  let n: number
  let length: number
  try {
    [n, length] = varint.decode(key, 0)
  } catch {
    throw new MalformedMessageError('piece', 'piece key is not an unsigned varint')
  }
  if (length !== key.length) throw new MalformedMessageError('piece', 'piece key has trailing bytes')
  if (n < 1 || n > MAX_ATTACHMENT_PIECES) throw new MalformedMessageError('piece', `piece number must be in 1..${MAX_ATTACHMENT_PIECES}`)
  if (varint.encodingLength(n) !== length) throw new MalformedMessageError('piece', 'piece key varint is not minimal')
  return n
}

/** A piece value must be a CIDv1 raw link: pieces are raw blocks of the TGZ bytes. */
export function parseAttachmentPieceValue (value: unknown): CID {
  const cid = CID.asCID(value)
  if (cid === null || cid.version !== 1 || cid.code !== raw.code) {
    throw new MalformedMessageError('piece', 'piece value must be a CIDv1 raw link')
  }
  return cid
}

/** How many pieces an attachment of `bytes` bytes has (0 bytes still has one, empty, piece). */
export function attachmentPieceCount (bytes: number): number {
  return Math.max(1, Math.ceil(bytes / ATTACHMENT_PIECE_BYTES))
}
