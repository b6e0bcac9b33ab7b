// Proves the attachment index reader returns piece CIDs in order 1..m from a HAMT built with the
// attachment options, and refuses by reason an empty index, a missing piece number, a key that is
// not a piece number, a value that is not a raw CIDv1, and more pieces than its bound.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { ATTACHMENT_HAMT_OPTIONS, attachmentPieceKey } from '../../../../protocol/attachment.js'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../../../protocol/hamt/memory-block-store.js'
import { sha256 } from '../../../../protocol/hashes.js'
import { attachmentPieces, readAttachmentIndex } from '../../../../relay/attachments/piece-index.js'
import { pieceCid } from '../../../../relay/attachments/pieces.js'

async function index (entries: Array<[Uint8Array, unknown]>): Promise<{ store: MemoryBlockStore, root: CID }> {
  const store = new MemoryBlockStore()
  const hamt = await Hamt.create(store, ATTACHMENT_HAMT_OPTIONS)
  for (const [key, value] of entries) await hamt.set(key, value)
  return { store, root: await hamt.flush() }
}

function piece (n: number): { cid: CID, bytes: Uint8Array } {
  const bytes = new TextEncoder().encode(`piece ${n}`)
  return { cid: pieceCid(bytes), bytes }
}

describe('readAttachmentIndex', () => {
  it('lists 300 pieces in order 1..m (keys past one varint byte included)', async () => {
    const pieces = Array.from({ length: 300 }, (_, i) => piece(i + 1))
    const { store, root } = await index(pieces.map((p, i) => [attachmentPieceKey(i + 1), p.cid]))
    assert.deepEqual((await readAttachmentIndex(store, root)).map(String), pieces.map((p) => p.cid.toString()))
    for (const p of pieces) await store.put(p.cid, p.bytes)
    let n = 0
    for await (const bytes of attachmentPieces(store, root)) assert.deepEqual(bytes, pieces[n++].bytes)
    assert.equal(n, 300)
  })

  it('refuses an index with piece 2 of 3 missing', async () => {
    const { store, root } = await index([[attachmentPieceKey(1), piece(1).cid], [attachmentPieceKey(3), piece(3).cid]])
    await assert.rejects(readAttachmentIndex(store, root), { name: 'InvalidAttachmentIndexError', reason: 'missing_piece', piece: 2 })
  })

  it('refuses a value that is not a raw CIDv1 link', async () => {
    const cbor = CID.createV1(0x71, sha256.digest(new Uint8Array([1])))
    for (const value of [cbor, piece(1).cid.bytes, 'bafk…', 7]) {
      const { store, root } = await index([[attachmentPieceKey(1), value]])
      await assert.rejects(readAttachmentIndex(store, root), { name: 'InvalidAttachmentIndexError', reason: 'bad_value', piece: 1 })
    }
  })

  it('refuses keys that are not minimal uvarints of 1..m', async () => {
    for (const key of [[0x00], [0x81, 0x00], [0x01, 0x01], new TextEncoder().encode('one')]) {
      const { store, root } = await index([[attachmentPieceKey(1), piece(1).cid], [Uint8Array.from(key), piece(2).cid]])
      await assert.rejects(readAttachmentIndex(store, root), { name: 'InvalidAttachmentIndexError', reason: 'bad_key' })
    }
  })

  it('refuses an empty index and one over its bound', async () => {
    const empty = await index([])
    await assert.rejects(readAttachmentIndex(empty.store, empty.root), { name: 'InvalidAttachmentIndexError', reason: 'empty' })
    const three = await index([1, 2, 3].map((n) => [attachmentPieceKey(n), piece(n).cid]))
    await assert.rejects(readAttachmentIndex(three.store, three.root, { maxPieces: 2 }), { name: 'InvalidAttachmentIndexError', reason: 'too_many_pieces' })
  })

  it('reports a missing piece block as BlockNotFoundError and a corrupt one as BlockHashMismatchError', async () => {
    const p = piece(1)
    const { store, root } = await index([[attachmentPieceKey(1), p.cid]])
    await assert.rejects(attachmentPieces(store, root).next(), { name: 'BlockNotFoundError' })
    await store.put(p.cid, new TextEncoder().encode('piece X'))
    await assert.rejects(attachmentPieces(store, root).next(), { name: 'BlockHashMismatchError' })
  })
})
