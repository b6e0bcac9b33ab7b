/**
 * Unpacking a TAU attachment: its pieces, in order, through node-tar's gunzip and extract into a
 * directory. Streaming: a piece at a time, with the extractor's backpressure.
 *
 * All or nothing: entries are written into a fresh staging directory beside `dest` and renamed
 * to `dest` only when the whole archive is in; on any error (a corrupt piece from the source, a
 * broken TGZ, an unsafe entry) the staging directory is removed and the error thrown, so `dest`
 * never holds a half-written tree that looks like a result.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { createGunzip } from 'node:zlib'
import { Unpack } from 'tar'
import { AttachmentArchiveError, AttachmentInputError, UnsafeAttachmentEntryError } from './errors.js'
import { checkPieceSizes } from './pieces.js'
import { unsafeTarEntry } from './tar-safety.js'
import type { Gunzip } from 'node:zlib'
import type { ReadEntry } from 'tar'

/**
 * Largest ratio of unpacked to packed bytes: node-tar's own default (a guard against gzip bombs;
 * a file of zeros compresses about 1030:1 and is the one honest input that trips it).
 */
export const DEFAULT_MAX_DECOMPRESSION_RATIO = 1000

/** Options of `unpackAttachment`. */
export interface UnpackAttachmentOptions {
  /** @default DEFAULT_MAX_DECOMPRESSION_RATIO */
  maxDecompressionRatio?: number
}

/** What an unpack wrote. */
export interface UnpackedAttachment {
  dest: string
  pieces: number
  /** TGZ bytes read. */
  bytes: number
  /** Tar entries written (files, directories, links). */
  entries: number
}

/**
 * Streams `pieces` (verified by the caller, in order 1..m) through gunzip and tar extract into
 * `dest`, which must not exist or be an empty directory (AttachmentInputError otherwise).
 * Unsafe entries are UnsafeAttachmentEntryError, a broken archive AttachmentArchiveError; the
 * source's own errors (BlockHashMismatchError, …) are rethrown as they are.
 */
export async function unpackAttachment (pieces: AsyncIterable<Uint8Array>, dest: string, options: UnpackAttachmentOptions = {}): Promise<UnpackedAttachment> {
  const target = resolve(dest)
  const replaceEmptyDir = await checkDestination(target)
  // mkdir, not mkdtemp: the result gets the usual directory mode, not mkdtemp's 0700
  const staging = join(dirname(target), `.${basename(target)}.unpack-${randomUUID()}`)
  await mkdir(dirname(target), { recursive: true })
  await mkdir(staging)
  const maxRatio = options.maxDecompressionRatio ?? DEFAULT_MAX_DECOMPRESSION_RATIO
  let unsafe: UnsafeAttachmentEntryError | undefined
  let tarError: unknown
  let entries = 0
  // gunzip is ours, not node-tar's: node-tar aborts on a zlib error and then never closes, leaving
  // its open files behind; fed plain tar, it can always be ended and waited for
  const unpack = new Unpack({
    cwd: staging,
    strict: true,
    noMtime: true,
    preserveOwner: false,
    filter: (path: string, entry) => {
      unsafe ??= unsafeTarEntry(path, entry as ReadEntry)
      if (unsafe === undefined) entries++
      return unsafe === undefined
    }
  })
  unpack.on('error', (err: unknown) => { tarError ??= err })
  const closed = new Promise<void>((resolve) => { unpack.once('close', () => { resolve() }) })
  const gunzip = createGunzip()
  let count = 0
  let bytes = 0
  const feeding = feed(checkPieceSizes(pieces), gunzip, (piece) => { count++; bytes += piece.byteLength })
  let failure: unknown
  try {
    let inflated = 0
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      inflated += chunk.byteLength
      if (inflated > maxRatio * Math.max(bytes, 512)) throw new AttachmentArchiveError(`decompression ratio above ${maxRatio}`, 'TAR_ABORT')
      if (unsafe !== undefined || tarError !== undefined) break
      if (!unpack.write(chunk)) await drainOrClose(unpack)
    }
  } catch (err: unknown) {
    failure = err
  }
  gunzip.destroy()
  await feeding
  // ended, never aborted: node-tar finishes (or truncates) the current entry and closes its files
  unpack.end()
  await closed
  const error = unsafe ?? failure ?? tarError
  if (error !== undefined) {
    await rm(staging, { recursive: true, force: true, maxRetries: 3 })
    throw error === unsafe ? unsafe : typed(error)
  }
  if (replaceEmptyDir) await rmdir(target)
  await rename(staging, target)
  return { dest: target, pieces: count, bytes, entries }
}

/** Writes the pieces into `gunzip` with its backpressure; a source error destroys it with that error. */
async function feed (pieces: AsyncIterable<Uint8Array>, gunzip: Gunzip, onPiece: (piece: Uint8Array) => void): Promise<void> {
  try {
    for await (const piece of pieces) {
      if (gunzip.destroyed) return
      onPiece(piece)
      if (!gunzip.write(piece)) await drainOrClose(gunzip)
    }
    if (!gunzip.destroyed) gunzip.end()
  } catch (err: unknown) {
    gunzip.destroy(err instanceof Error ? err : new Error(String(err)))
  }
}

/** Resolves on the stream's next 'drain' or its 'close', whichever comes first, leaving no listener. */
async function drainOrClose (stream: { on: (event: string, fn: () => void) => unknown, off: (event: string, fn: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}

/** Whether `dest` is an existing empty directory (to be replaced); throws when it is anything else. */
async function checkDestination (dest: string): Promise<boolean> {
  let isDir: boolean
  try {
    isDir = (await stat(dest)).isDirectory()
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  if (!isDir || (await readdir(dest)).length > 0) throw new AttachmentInputError(dest, 'destination_not_empty')
  return true
}

/** node-tar's and zlib's errors as ours; anything else (the source's, the file system's) unchanged. */
function typed (err: unknown): unknown {
  if (!(err instanceof Error)) return err
  const { code, path } = err as { code?: unknown, path?: unknown }
  if (err.name === 'SymlinkError' || code === 'TAR_SYMLINK_ERROR') return new UnsafeAttachmentEntryError(String(path), 'link_escape')
  if (typeof code === 'string' && (code.startsWith('TAR_') || code.startsWith('Z_'))) return new AttachmentArchiveError(err.message, code)
  return err
}
