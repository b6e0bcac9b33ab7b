/**
 * A block store over a CARv1 file that keeps only an index in memory (@ipld/car
 * `CarIndexedReader`: CID → offset and length) and reads each block from disk when asked, so a
 * target peer can serve a 256 MiB attachment without holding it.
 *
 * The file is outside input: every `get` verifies the bytes it read (a 256 KiB sha2-256 costs
 * ~0.15 ms), and `verifyAll` also streams every block once through `verifyBlock` at open, so a
 * server fails at start on a corrupt CAR, as the in-memory loader does (memory: one block).
 */
import { createReadStream } from 'node:fs'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarIndexedReader } from '@ipld/car/indexed-reader'
import { verifyBlock } from '../../protocol/block.js'
import { BlockNotFoundError } from '../../protocol/errors.js'
import { AttachmentInputError } from './errors.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/** A read-only block store over one CAR file. `put` is refused: the file is the truth. */
export class IndexedCarStore implements BlockStore {
  /** The CAR file. */
  readonly path: string
  /** The roots in the CAR header. */
  readonly roots: CID[]
  /** Blocks in the file (a block listed twice counts twice). */
  readonly blocks: number
  /** Block bytes in the file; counted only when opened with `verifyAll` (else 0). */
  readonly bytes: number
  private readonly reader: CarIndexedReader

  private constructor (path: string, reader: CarIndexedReader, roots: CID[], blocks: number, bytes: number) {
    this.path = path
    this.reader = reader
    this.roots = roots
    this.blocks = blocks
    this.bytes = bytes
  }

  /** Indexes the CAR at `path`; with `verifyAll`, first checks every block against its CID (streaming). */
  static async open (path: string, options: { verifyAll?: boolean } = {}): Promise<IndexedCarStore> {
    let blocks = 0
    let bytes = 0
    if (options.verifyAll === true) {
      for await (const block of await CarBlockIterator.fromIterable(createReadStream(path))) {
        verifyBlock(block.cid, block.bytes)
        blocks++
        bytes += block.bytes.byteLength
      }
    }
    const reader = await CarIndexedReader.fromFile(path)
    // the reader opens its file on the first get; one get now, so concurrent gets never race to open two
    const first = await reader.cids().next()
    if (first.done !== true) await reader.get(first.value)
    if (options.verifyAll !== true) {
      const cids = reader.cids()
      while ((await cids.next()).done !== true) blocks++
    }
    return new IndexedCarStore(path, reader, await reader.getRoots(), blocks, bytes)
  }

  /** The verified bytes of `cid`, read from the file, or undefined when the CAR lacks it. */
  async get (cid: CID): Promise<Uint8Array | undefined> {
    const block = await this.reader.get(cid)
    if (block === undefined) return undefined
    return verifyBlock(cid, block.bytes).bytes
  }

  /** Whether the CAR holds `cid`. */
  async has (cid: CID): Promise<boolean> {
    return this.reader.has(cid)
  }

  async put (): Promise<void> {
    throw new TypeError('an indexed CAR store is read-only')
  }

  /** Closes the file. */
  async close (): Promise<void> {
    await this.reader.close()
  }
}

/** Several CAR files as one read-only store (the first that holds a CID answers). */
export class IndexedCarStores implements BlockStore {
  readonly stores: IndexedCarStore[]

  constructor (stores: IndexedCarStore[]) {
    this.stores = stores
  }

  /** Opens and verifies each CAR; on failure closes those already opened. */
  static async open (paths: string[]): Promise<IndexedCarStores> {
    const stores: IndexedCarStore[] = []
    try {
      for (const path of paths) stores.push(await IndexedCarStore.open(path, { verifyAll: true }))
    } catch (err: unknown) {
      await Promise.all(stores.map(async (s) => { await s.close() }))
      throw err
    }
    return new IndexedCarStores(stores)
  }

  async get (cid: CID): Promise<Uint8Array | undefined> {
    for (const store of this.stores) {
      if (await store.has(cid)) return store.get(cid)
    }
    return undefined
  }

  async put (): Promise<void> {
    throw new TypeError('an indexed CAR store is read-only')
  }

  async close (): Promise<void> {
    await Promise.all(this.stores.map(async (s) => { await s.close() }))
  }
}

/**
 * The attachment in the CAR at `carPath`: an indexed store over it and its root — `root` when
 * given, else the CAR's only root (AttachmentInputError when it has several or none). A root the
 * CAR does not hold is BlockNotFoundError. Blocks are verified as they are read.
 */
export async function attachmentFromCar (carPath: string, root?: CID, options: { verifyAll?: boolean } = {}): Promise<{ store: IndexedCarStore, root: CID }> {
  const store = await IndexedCarStore.open(carPath, options)
  try {
    const chosen = root ?? (store.roots.length === 1 ? store.roots[0] : undefined)
    if (chosen === undefined) throw new AttachmentInputError(carPath, 'ambiguous_root', `${carPath} has ${store.roots.length} roots; name the attachment root`)
    if (!(await store.has(chosen))) throw new BlockNotFoundError(chosen.toString())
    return { store, root: chosen }
  } catch (err: unknown) {
    await store.close()
    throw err
  }
}
