/**
 * Test helper for the attachment downloader: attachments in the format of protocol/attachment.ts
 * (raw 256 KiB pieces under a HAMT keyed by uvarint piece number, ATTACHMENT_HAMT_OPTIONS) built
 * in memory from pseudo-random bytes or from given TGZ bytes, and a local "relay" that serves a
 * selector sync by walking it over the store, as the relay and the client do.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { ATTACHMENT_HAMT_OPTIONS, ATTACHMENT_PIECE_BYTES, attachmentPieceKey } from '../../protocol/attachment.js'
import { decodeBlock } from '../../protocol/block.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import { walkSelector } from '../../protocol/selector/walk.js'
import { pseudoRandomBytes } from './graphsync.js'

/** A built attachment. */
export interface TestAttachment {
  root: CID
  store: MemoryBlockStore
  /** The TGZ (or random) bytes. */
  bytes: Uint8Array
  pieces: CID[]
  /** Every block (index nodes and pieces), for a CAR. */
  blocks: Array<{ cid: CID, bytes: Uint8Array }>
}

/** Chops `bytes` into pieces and indexes them; `extraKeys` adds bogus entries (for index tests). */
export async function buildAttachmentFrom (bytes: Uint8Array, options: { pieceCount?: number, extraKeys?: number[] } = {}): Promise<TestAttachment> {
  const store = new MemoryBlockStore()
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  const put = async (cid: CID, block: Uint8Array): Promise<void> => {
    if (!await store.has(cid)) blocks.push({ cid, bytes: block })
    await store.put(cid, block)
  }
  const hamt = await Hamt.create({ get: async (cid) => store.get(cid), put }, ATTACHMENT_HAMT_OPTIONS)
  const pieces: CID[] = []
  const count = Math.max(1, Math.ceil(bytes.byteLength / ATTACHMENT_PIECE_BYTES))
  for (let n = 1; n <= count; n++) {
    const piece = bytes.subarray((n - 1) * ATTACHMENT_PIECE_BYTES, n * ATTACHMENT_PIECE_BYTES)
    const cid = CID.createV1(raw.code, await sha256.digest(piece))
    await put(cid, piece)
    pieces.push(cid)
    if (n <= (options.pieceCount ?? count)) await hamt.set(attachmentPieceKey(n), cid)
  }
  for (const n of options.extraKeys ?? []) await hamt.set(attachmentPieceKey(n), pieces[0])
  const root = await hamt.flush()
  return { root, store, bytes, pieces, blocks }
}

/** An attachment of `pieceCount` pseudo-random pieces, the last one `lastBytes` long. */
export async function buildRandomAttachment (pieceCount: number, seed: number, lastBytes = ATTACHMENT_PIECE_BYTES): Promise<TestAttachment> {
  const bytes = new Uint8Array((pieceCount - 1) * ATTACHMENT_PIECE_BYTES + lastBytes)
  for (let n = 1; n <= pieceCount; n++) {
    const size = n === pieceCount ? lastBytes : ATTACHMENT_PIECE_BYTES
    bytes.set(pseudoRandomBytes(size, seed * 100_000 + n), (n - 1) * ATTACHMENT_PIECE_BYTES)
  }
  return buildAttachmentFrom(bytes)
}

/** Runs a selector over the store like a relay sync: every block load, in walk order (repeats kept). */
export async function localSync (store: MemoryBlockStore, root: CID, selector: Record<string, unknown>): Promise<Array<{ cid: CID, bytes: Uint8Array }>> {
  const loaded: Array<{ cid: CID, bytes: Uint8Array }> = []
  const load = async (cid: CID): Promise<unknown> => {
    const bytes = await store.get(cid)
    if (bytes === undefined) return undefined
    loaded.push({ cid, bytes })
    return decodeBlock(cid, bytes)
  }
  for await (const visit of walkSelector(root, parseSelector(selector), { load })) void visit
  return loaded
}
