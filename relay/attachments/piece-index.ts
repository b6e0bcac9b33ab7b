/**
 * Reading an attachment root (DESIGN.md §1): the HAMT under `attachmentRoot`, keyed by the uvarint
 * piece numbers 1..m with raw CIDv1 values (protocol/attachment.ts), turned into the ordered list
 * of piece CIDs, and the verified piece bytes in that order.
 */
import { ATTACHMENT_HAMT_OPTIONS, parseAttachmentPieceKey, parseAttachmentPieceValue } from '../../protocol/attachment.js'
import { BlockNotFoundError, MalformedMessageError } from '../../protocol/errors.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { InvalidAttachmentIndexError } from './errors.js'
import { verifyPiece } from './pieces.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/**
 * Most pieces an index may list before the reader stops: 2^16 × 256 KiB = 16 GiB, eight times the
 * 2 GiB largest attachment the seed talks about, and 64 Ki CIDs (a few MiB) in memory.
 */
export const DEFAULT_MAX_ATTACHMENT_INDEX_PIECES = 2 ** 16

/** Options of `readAttachmentIndex`. */
export interface ReadAttachmentIndexOptions {
  /** @default DEFAULT_MAX_ATTACHMENT_INDEX_PIECES */
  maxPieces?: number
}

/**
 * The piece CIDs of the attachment at `root`, in order 1..m. Every key must be a minimal uvarint
 * in 1..m, each present once, each value a raw CIDv1 link — InvalidAttachmentIndexError otherwise;
 * a block the store lacks is BlockNotFoundError, a corrupt node MalformedHamtNodeError.
 */
export async function readAttachmentIndex (store: BlockStore, root: CID, options: ReadAttachmentIndexOptions = {}): Promise<CID[]> {
  const maxPieces = options.maxPieces ?? DEFAULT_MAX_ATTACHMENT_INDEX_PIECES
  const hamt = await Hamt.load(store, root, ATTACHMENT_HAMT_OPTIONS)
  const pieces: Array<CID | undefined> = []
  let count = 0
  for await (const [key, value] of hamt.entries()) {
    const n = parseOr('bad_key', undefined, () => parseAttachmentPieceKey(key))
    if (n > maxPieces || ++count > maxPieces) throw new InvalidAttachmentIndexError('too_many_pieces', n)
    // HAMT keys are unique and parseAttachmentPieceKey refuses non-minimal varints, so no two keys share an n
    pieces[n - 1] = parseOr('bad_value', n, () => parseAttachmentPieceValue(value))
  }
  if (count === 0) throw new InvalidAttachmentIndexError('empty')
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i] === undefined) throw new InvalidAttachmentIndexError('missing_piece', i + 1)
  }
  return pieces as CID[]
}

/**
 * The verified bytes of each piece of `root`, in order, read one at a time from `store`: a
 * missing piece is BlockNotFoundError, a corrupt one BlockHashMismatchError.
 */
export async function * attachmentPieces (store: BlockStore, root: CID, options: ReadAttachmentIndexOptions = {}): AsyncGenerator<Uint8Array> {
  yield * readPieces(store, await readAttachmentIndex(store, root, options))
}

/** The verified bytes of the pieces `cids`, in order, read one at a time from `store`. */
export async function * readPieces (store: Pick<BlockStore, 'get'>, cids: Iterable<CID>): AsyncGenerator<Uint8Array> {
  for (const cid of cids) {
    const bytes = await store.get(cid)
    if (bytes === undefined) throw new BlockNotFoundError(cid.toString())
    yield verifyPiece(cid, bytes)
  }
}

function parseOr<T> (reason: 'bad_key' | 'bad_value', piece: number | undefined, parse: () => T): T {
  try {
    return parse()
  } catch (err: unknown) {
    if (err instanceof MalformedMessageError) throw new InvalidAttachmentIndexError(reason, piece)
    throw err
  }
}
