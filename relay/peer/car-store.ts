/**
 * Blocks a target peer serves, from CARv1 files: read into memory (`loadCarFiles`, for small CARs
 * and tests) or indexed and read from disk on demand (`openCarFiles`, what `peer serve` uses).
 * Every block is hashed against its CID (a CAR is outside input), so the graphsync responder only
 * ever serves verified bytes. The CAR roots are returned so `peer serve` can say what it holds.
 */
import { readFile } from 'node:fs/promises'
import { CarBlockIterator } from '@ipld/car/iterator'
import { verifyBlock } from '../../protocol/block.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { IndexedCarStores } from '../attachments/car-index-store.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/** Blocks of one or more CARs. */
export interface LoadedCars {
  store: BlockStore
  roots: CID[]
  blocks: number
  bytes: number
}

/** Reads CAR bytes into `store` (verifying each block); returns the CAR's roots. */
export async function loadCarBytes (car: Uint8Array, store: BlockStore): Promise<{ roots: CID[], blocks: number, bytes: number }> {
  const iterator = await CarBlockIterator.fromBytes(car)
  let blocks = 0
  let bytes = 0
  for await (const { cid, bytes: data } of iterator) {
    verifyBlock(cid, data)
    await store.put(cid, data)
    blocks++
    bytes += data.byteLength
  }
  return { roots: await iterator.getRoots(), blocks, bytes }
}

/** Reads CAR files into a new memory store. */
export async function loadCarFiles (paths: string[]): Promise<LoadedCars> {
  const store = new MemoryBlockStore()
  const out: LoadedCars = { store, roots: [], blocks: 0, bytes: 0 }
  for (const path of paths) {
    const loaded = await loadCarBytes(await readFile(path), store)
    out.roots.push(...loaded.roots)
    out.blocks += loaded.blocks
    out.bytes += loaded.bytes
  }
  return out
}

/** CAR files opened for serving from disk. */
export interface OpenedCars extends LoadedCars {
  /** Closes the files. */
  close: () => Promise<void>
}

/**
 * Opens CAR files to serve from disk (relay/attachments/car-index-store.ts): every block is
 * verified once while indexing, then read from the file on each request, so memory holds the
 * index (~100 bytes a block), not the blocks — a 256 MiB attachment costs about 100 KiB.
 */
export async function openCarFiles (paths: string[]): Promise<OpenedCars> {
  const stores = await IndexedCarStores.open(paths)
  return {
    store: stores,
    roots: stores.stores.flatMap((s) => s.roots),
    blocks: stores.stores.reduce((n, s) => n + s.blocks, 0),
    bytes: stores.stores.reduce((n, s) => n + s.bytes, 0),
    close: async () => { await stores.close() }
  }
}
