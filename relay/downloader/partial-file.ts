/**
 * The partial file of a download and its sidecar. Piece n is written at (n-1) × 256 KiB, so pieces
 * land in any order; `<out>.progress` (JSON `{v, root, pieces, done}`, `done` a base64 bitmap, bit
 * n-1 = piece n) records which pieces were written and is replaced atomically (write + rename).
 * On open, every piece the sidecar claims is read back and hashed against its CID: a sidecar
 * written before its piece reached the disk, or a file changed since, costs a re-fetch, never a
 * wrong byte. The sidecar is deleted when the file is complete.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { verifyBlock } from '../../protocol/block.js'
import { PROGRESS_SUFFIX } from './constants.js'
import { AttachmentIndexError, ProgressMismatchError } from './errors.js'
import type { FileHandle } from 'node:fs/promises'
import type { CID } from 'multiformats/cid'

interface Sidecar { v: 1, root: string, pieces: number, done: string }

/** A partial attachment file being filled piece by piece. */
export class PartialFile {
  readonly path: string
  /** Bit n-1 set = piece n is on disk and verified. */
  readonly done: Uint8Array
  /** Pieces found verified on disk when the file was opened. */
  readonly resumedPieces: number
  private readonly file: FileHandle
  private readonly root: CID
  private readonly pieces: number
  private doneCount: number
  private lastPieceBytes: number | undefined
  private dirty = false

  private constructor (path: string, file: FileHandle, root: CID, pieces: number, done: Uint8Array, resumed: number, lastPieceBytes: number | undefined) {
    this.path = path
    this.file = file
    this.root = root
    this.pieces = pieces
    this.done = done
    this.resumedPieces = resumed
    this.doneCount = resumed
    this.lastPieceBytes = lastPieceBytes
  }

  /** Opens (or creates) `path` for the attachment, keeping the pieces its sidecar claims that verify. */
  static async open (path: string, root: CID, cids: readonly CID[]): Promise<PartialFile> {
    const pieces = cids.length
    const claimed = await readSidecar(path + PROGRESS_SUFFIX, root, pieces)
    const file = await open(path, claimed === undefined ? 'w+' : 'r+').catch(async () => open(path, 'w+'))
    const done = new Uint8Array(Math.ceil(pieces / 8))
    let resumed = 0
    let lastPieceBytes: number | undefined
    if (claimed !== undefined) {
      const size = (await file.stat()).size
      const buffer = Buffer.alloc(ATTACHMENT_PIECE_BYTES)
      for (let n = 1; n <= pieces; n++) {
        if (!isSet(claimed, n)) continue
        const offset = (n - 1) * ATTACHMENT_PIECE_BYTES
        const length = Math.max(0, Math.min(ATTACHMENT_PIECE_BYTES, size - offset))
        const { bytesRead } = await file.read(buffer, 0, length, offset)
        try {
          verifyBlock(cids[n - 1], buffer.subarray(0, bytesRead))
        } catch {
          continue
        }
        setBit(done, n)
        resumed++
        if (n === pieces) lastPieceBytes = bytesRead
      }
    }
    return new PartialFile(path, file, root, pieces, done, resumed, lastPieceBytes)
  }

  /** Pieces verified and written so far. */
  get completed (): number {
    return this.doneCount
  }

  /** Whether piece n is written. */
  has (n: number): boolean {
    return isSet(this.done, n)
  }

  /** Writes verified piece n at its offset (a piece already written is skipped). */
  async write (n: number, bytes: Uint8Array): Promise<boolean> {
    if (this.has(n)) return false
    const last = n === this.pieces
    if (last ? bytes.byteLength > ATTACHMENT_PIECE_BYTES : bytes.byteLength !== ATTACHMENT_PIECE_BYTES) {
      throw new AttachmentIndexError('piece_size', n, `piece ${n} is ${bytes.byteLength} bytes; every piece but the last is ${ATTACHMENT_PIECE_BYTES}`)
    }
    await this.file.write(bytes, 0, bytes.byteLength, (n - 1) * ATTACHMENT_PIECE_BYTES)
    // a concurrent duplicate of the same piece may have finished while we wrote: count once
    if (this.has(n)) return false
    setBit(this.done, n)
    this.doneCount++
    if (last) this.lastPieceBytes = bytes.byteLength
    this.dirty = true
    return true
  }

  /** Rewrites the sidecar if anything changed since the last flush. */
  async flush (): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    const sidecar: Sidecar = { v: 1, root: this.root.toString(), pieces: this.pieces, done: Buffer.from(this.done).toString('base64') }
    const target = this.path + PROGRESS_SUFFIX
    await writeFile(target + '.tmp', JSON.stringify(sidecar))
    await rename(target + '.tmp', target)
  }

  /** Total bytes of the attachment, once its last piece is known. */
  get totalBytes (): number | undefined {
    return this.lastPieceBytes === undefined ? undefined : (this.pieces - 1) * ATTACHMENT_PIECE_BYTES + this.lastPieceBytes
  }

  /** Truncates a complete file to its exact size, syncs it and removes the sidecar. */
  async finish (): Promise<void> {
    const total = this.totalBytes
    if (this.doneCount !== this.pieces || total === undefined) throw new RangeError('finish() before every piece was written')
    await this.file.truncate(total)
    await this.file.sync()
    await this.file.close()
    await rm(this.path + PROGRESS_SUFFIX, { force: true })
  }

  /** Writes the sidecar and closes the file, leaving it resumable. */
  async close (): Promise<void> {
    await this.flush()
    await this.file.close()
  }
}

async function readSidecar (path: string, root: CID, pieces: number): Promise<Uint8Array | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  let sidecar: Partial<Sidecar>
  try {
    sidecar = JSON.parse(text) as Partial<Sidecar>
  } catch {
    // a torn sidecar cannot exist (rename is atomic); an unreadable one only costs a full fetch
    return undefined
  }
  if (sidecar.root !== root.toString() || sidecar.pieces !== pieces) throw new ProgressMismatchError(path)
  const done = Buffer.from(typeof sidecar.done === 'string' ? sidecar.done : '', 'base64')
  return done.byteLength === Math.ceil(pieces / 8) ? new Uint8Array(done) : undefined
}

function isSet (bitmap: Uint8Array, n: number): boolean {
  return (bitmap[(n - 1) >> 3] & (1 << ((n - 1) & 7))) !== 0
}

function setBit (bitmap: Uint8Array, n: number): void {
  bitmap[(n - 1) >> 3] |= 1 << ((n - 1) & 7)
}
