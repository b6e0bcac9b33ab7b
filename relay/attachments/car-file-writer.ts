/**
 * A CARv1 file written block by block while its root is still unknown: the header is written with
 * a placeholder root of the same byte length and patched in place at the end
 * (`CarWriter.updateRootsInFile`). Bytes go to `<path>.partial` and are renamed to `path` only
 * once complete, so a failed publish never leaves a CAR that looks whole.
 */
import assert from 'node:assert'
import { createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CarWriter } from '@ipld/car/writer'
import type { BlockWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'

/** A CARv1 being written to disk with a root fixed at the end. */
export class CarFileWriter {
  private readonly path: string
  private readonly partial: string
  private readonly placeholder: CID
  private readonly writer: BlockWriter
  private readonly drained: Promise<void>
  private readonly written = new Set<string>()

  private constructor (path: string, placeholder: CID) {
    this.path = path
    this.partial = `${path}.partial`
    this.placeholder = placeholder
    const { writer, out } = CarWriter.create([placeholder])
    this.writer = writer
    // the writer's put() resolves only once the file stream has taken the bytes: backpressure
    this.drained = pipeline(Readable.from(out), createWriteStream(this.partial))
    this.drained.catch(() => {})
  }

  /** Starts a CAR at `path` whose header holds `placeholder` until `finish` (same CID length as the real root). */
  static create (path: string, placeholder: CID): CarFileWriter {
    return new CarFileWriter(path, placeholder)
  }

  /** Appends a block (a CID already written is skipped: a CAR needs each block once). */
  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    const key = cid.toString()
    if (this.written.has(key)) return
    this.written.add(key)
    await Promise.race([this.writer.put({ cid, bytes }), this.drained.then(() => { throw new Error('CAR file stream ended early') })])
  }

  /** Ends the file, writes `root` into the header and moves the file to its final name. */
  async finish (root: CID): Promise<void> {
    assert.equal(root.bytes.byteLength, this.placeholder.bytes.byteLength, 'the real root must be as long as the placeholder')
    await this.writer.close()
    await this.drained
    const handle = await open(this.partial, 'r+')
    try {
      await CarWriter.updateRootsInFile(handle, [root])
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(this.partial, this.path)
  }

  /** Gives up: ends the stream and removes the partial file. */
  async abort (): Promise<void> {
    await this.writer.close().catch(() => {})
    await this.drained.catch(() => {})
    await rm(this.partial, { force: true })
  }
}
