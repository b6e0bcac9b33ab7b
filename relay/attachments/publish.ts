/**
 * Publishing a TAU attachment (DESIGN.md §1): files and folders → a gzip'd tar (node-tar) → pieces
 * of exactly 256 KiB (the last one shorter), each a raw block → a HAMT keyed 1..m → one CARv1 file
 * whose root is the `attachmentRoot`. Streaming end to end: memory holds a piece or two, the name
 * list and the HAMT (a few hundred KiB of nodes for 8 Ki pieces), never the archive.
 *
 * Same input, same root: entries are listed in a sorted walk (tar-entries.ts); `portable` drops
 * uid, gid, user and group names, atime, ctime, dev and ino; every mtime is ATTACHMENT_TAR_MTIME.
 * What is kept is content, names, file modes and symbolic link targets. The gzip stream is zlib's
 * at its default level, so the root is reproducible across machines running the same zlib (the
 * one bundled with Node); another zlib may compress the same tar to other bytes.
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { create as tarCreate } from 'tar'
import { ATTACHMENT_HAMT_OPTIONS, attachmentPieceKey } from '../../protocol/attachment.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { HAMT_EMPTY_ROOT } from '../../protocol/hamt/types.js'
import { CarFileWriter } from './car-file-writer.js'
import { chunkPieces, pieceCid } from './pieces.js'
import { listTarEntries } from './tar-entries.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/**
 * The mtime of every packed entry: npm's reproducible-pack date (1985-10-26T08:15:00Z, what
 * `npm pack` writes), a real date that tar readers accept without "implausibly old" warnings.
 */
export const ATTACHMENT_TAR_MTIME = new Date('1985-10-26T08:15:00.000Z')

/**
 * node-tar's file read size: its default is 16 MiB per read, a buffer per large file; one piece
 * is enough to keep the gzip stream fed.
 */
export const ATTACHMENT_TAR_READ_BYTES = 256 * 1024

/** Options of `publishAttachment`. */
export interface PublishAttachmentOptions {
  /** The CARv1 file to write (replaced if it exists; written as `<out>.partial` until complete). */
  out: string
  /** The directory `paths` are relative to, and their names in the archive. @default process.cwd() */
  cwd?: string
  /** Called after each piece is written, with its number (1-based) and the TGZ bytes so far. */
  onPiece?: (piece: number, bytes: number) => void
}

/** What a publish produced. */
export interface PublishedAttachment {
  /** The `attachmentRoot`: the HAMT root, also the CAR's root. */
  root: CID
  /** The number of pieces m. */
  pieces: number
  /** The TGZ's length in bytes. */
  bytes: number
  /** Hex sha2-256 of the whole TGZ, for checking an unpack against `tar` tools. */
  tgzSha256: string
  /** The CAR file written. */
  car: string
}

/** Packs `paths` (relative to `cwd`) into an attachment written as a CARv1 at `out`. */
export async function publishAttachment (paths: string[], options: PublishAttachmentOptions): Promise<PublishedAttachment> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const entries = await listTarEntries(cwd, paths)
  // node-tar reads a leading '@' as "append this archive"; './' keeps it a plain name
  const names = entries.map((e) => e.startsWith('@') ? `./${e}` : e)
  const car = resolve(cwd, options.out)
  // a HAMT root is CIDv1 dag-cbor blake2b-256, as long as the empty root: a same-length placeholder
  const writer = CarFileWriter.create(car, HAMT_EMPTY_ROOT)
  try {
    const hamt = await Hamt.create(carStore(writer), ATTACHMENT_HAMT_OPTIONS)
    const tgz = tarCreate({ gzip: true, cwd, portable: true, mtime: ATTACHMENT_TAR_MTIME, noDirRecurse: true, follow: false, strict: true, maxReadSize: ATTACHMENT_TAR_READ_BYTES }, names)
    const hash = createHash('sha256')
    let pieces = 0
    let bytes = 0
    for await (const piece of chunkPieces(tgz as AsyncIterable<Uint8Array>)) {
      const cid = pieceCid(piece)
      await writer.put(cid, piece)
      hash.update(piece)
      pieces++
      bytes += piece.byteLength
      await hamt.set(attachmentPieceKey(pieces), cid)
      options.onPiece?.(pieces, bytes)
    }
    const root = await hamt.flush()
    await writer.finish(root)
    return { root, pieces, bytes, tgzSha256: hash.digest('hex'), car }
  } catch (err: unknown) {
    await writer.abort()
    throw err
  }
}

/** The HAMT's block store: nodes go into the CAR; a fresh HAMT never reads before its flush. */
function carStore (writer: CarFileWriter): BlockStore {
  const nodes = new Map<string, Uint8Array>()
  return {
    get: async (cid) => nodes.get(cid.toString()),
    put: async (cid, bytes) => {
      nodes.set(cid.toString(), bytes)
      await writer.put(cid, bytes)
    }
  }
}
