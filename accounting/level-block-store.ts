/**
 * A HAMT `BlockStore` over the ledger's LevelDB (`0x11 ‖ CID bytes -> block bytes`), with a
 * write-batch mode: between `beginBatch()` and `endBatch()` every `put` is collected instead of
 * written, so that a commit can write the HAMT flush's blocks, the new log head and the log meta in
 * ONE atomic batch. The transfer log writes that batch with `sync: true`: LevelDB appends batches to
 * one write-ahead log in order and an fsync covers everything before it, so the head commit also
 * makes durable every earlier `sync: false` charge batch — before any receipt leaves the relay.
 *
 * Recently written and read blocks are kept in a bounded cache: proofs walk the same top nodes
 * over and over, and every block a commit writes is read back by that commit's receipts.
 */
import assert from 'node:assert'
import { logBlockKey } from './transfer-log-keys.js'
import type { LedgerBatchOp, LedgerDatabase } from './ledger-state.js'
import type { BlockStore } from '../protocol/hamt/types.js'
import type { CID } from 'multiformats/cid'

/** Blocks kept in memory: a 1,000-record commit writes ~80 blocks (~300 KB) with the log's identity-hash HAMT (ledger.bench); this keeps many commits' paths. */
export const DEFAULT_BLOCK_CACHE_ENTRIES = 16_384

/** What the block store uses. */
export interface LevelBlockStoreComponents {
  db: LedgerDatabase
}

/** Block store settings. */
export interface LevelBlockStoreInit {
  /** Most blocks cached in memory. @default DEFAULT_BLOCK_CACHE_ENTRIES */
  cacheEntries?: number
}

/** Blocks collected by one write batch. */
export class BlockBatch {
  readonly blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()

  /** The batch's writes: one put per block. */
  ops (): LedgerBatchOp[] {
    const ops: LedgerBatchOp[] = []
    for (const { cid, bytes } of this.blocks.values()) ops.push({ type: 'put', key: logBlockKey(cid), value: bytes })
    return ops
  }
}

/** The transfer log's blocks in LevelDB. */
export class LevelBlockStore implements BlockStore {
  private readonly db: LedgerDatabase
  private readonly cache = new Map<string, Uint8Array>()
  private readonly cacheEntries: number
  private batch: BlockBatch | undefined

  constructor (components: LevelBlockStoreComponents, init: LevelBlockStoreInit = {}) {
    this.db = components.db
    this.cacheEntries = init.cacheEntries ?? DEFAULT_BLOCK_CACHE_ENTRIES
  }

  /** The bytes stored under `cid` (including blocks of the open batch), or undefined. */
  async get (cid: CID): Promise<Uint8Array | undefined> {
    const id = cid.toString()
    const pending = this.batch?.blocks.get(id)
    if (pending !== undefined) return pending.bytes
    const cached = this.cache.get(id)
    if (cached !== undefined) {
      // least recently used goes first: move a hit to the end
      this.cache.delete(id)
      this.cache.set(id, cached)
      return cached
    }
    const bytes = await this.db.get(logBlockKey(cid))
    if (bytes !== undefined) this.remember(id, bytes)
    return bytes
  }

  /** Stores a block: into the open batch, or at once (unsynced) when no batch is open. */
  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    if (this.batch !== undefined) {
      this.batch.blocks.set(cid.toString(), { cid, bytes })
      return
    }
    await this.db.batch([{ type: 'put', key: logBlockKey(cid), value: bytes }], { sync: false })
    this.remember(cid.toString(), bytes)
  }

  /** Starts collecting puts; only one batch may be open. */
  beginBatch (): BlockBatch {
    // the transfer log commits one batch at a time; two open batches would mix commits
    assert(this.batch === undefined, 'a block batch is already open')
    this.batch = new BlockBatch()
    return this.batch
  }

  /** Ends the open batch: `written` once its ops are committed (its blocks are then cached), else discarded. */
  endBatch (written: boolean): void {
    const batch = this.batch
    this.batch = undefined
    if (batch === undefined || !written) return
    for (const [id, { bytes }] of batch.blocks) this.remember(id, bytes)
  }

  private remember (id: string, bytes: Uint8Array): void {
    this.cache.set(id, bytes)
    if (this.cache.size > this.cacheEntries) {
      const oldest = this.cache.keys().next()
      if (oldest.done !== true) this.cache.delete(oldest.value)
    }
  }
}
