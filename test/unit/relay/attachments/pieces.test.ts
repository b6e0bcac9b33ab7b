// Proves attachment pieces are cut to exactly 256 KiB (the last one shorter) however the source
// chunks its bytes, that a piece is checked as a raw CIDv1 of at most 256 KiB hashing to its
// CID, and that a short piece before the last is refused by name.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { ATTACHMENT_PIECE_BYTES } from '../../../../protocol/attachment.js'
import { sha256 } from '../../../../protocol/hashes.js'
import { checkPieceSizes, chunkPieces, pieceCid, verifyPiece } from '../../../../relay/attachments/pieces.js'

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const item of source) out.push(item)
  return out
}

async function * fromChunks (chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield * chunks
}

function concat (parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

describe('chunkPieces', () => {
  it('cuts any chunking of a stream into full pieces and one shorter last piece', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 0, maxLength: 20 }),
      fc.integer({ min: 1, max: 4096 }),
      async (lengths, pieceBytes) => {
        let seed = 1
        const chunks = lengths.map((n) => Uint8Array.from({ length: n }, () => (seed = (seed * 31 + 7) % 251)))
        const pieces = await collect(chunkPieces(fromChunks(chunks), pieceBytes))
        const total = lengths.reduce((a, b) => a + b, 0)
        assert.equal(pieces.length, Math.ceil(total / pieceBytes))
        pieces.slice(0, -1).forEach((p) => { assert.equal(p.byteLength, pieceBytes) })
        if (pieces.length > 0) assert.ok(pieces[pieces.length - 1].byteLength >= 1)
        assert.deepEqual(concat(pieces), concat(chunks))
      }), { numRuns: 60 })
  })

  it('defaults to 256 KiB pieces: 600 KiB gives 256, 256 and 88 KiB', async () => {
    const pieces = await collect(chunkPieces(fromChunks([new Uint8Array(600 * 1024)])))
    assert.deepEqual(pieces.map((p) => p.byteLength), [ATTACHMENT_PIECE_BYTES, ATTACHMENT_PIECE_BYTES, 88 * 1024])
  })
})

describe('verifyPiece', () => {
  it('accepts a raw CIDv1 piece whose bytes hash to it', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const cid = pieceCid(bytes)
    assert.equal(cid.toString(), CID.createV1(0x55, sha256.digest(bytes)).toString())
    assert.equal(verifyPiece(cid, bytes), bytes)
  })

  it('refuses a changed byte, a dag-cbor CID and an oversized piece by name', () => {
    const bytes = new Uint8Array([1, 2, 3])
    assert.throws(() => verifyPiece(pieceCid(bytes), new Uint8Array([1, 2, 4])), { name: 'BlockHashMismatchError' })
    assert.throws(() => verifyPiece(CID.createV1(0x71, sha256.digest(bytes)), bytes), { name: 'InvalidAttachmentPieceError', reason: 'not_raw' })
    const big = new Uint8Array(ATTACHMENT_PIECE_BYTES + 1)
    assert.throws(() => verifyPiece(pieceCid(big), big), { name: 'InvalidAttachmentPieceError', reason: 'too_large' })
  })
})

describe('checkPieceSizes', () => {
  it('passes full pieces then one short one, and refuses a piece after a short one', async () => {
    const full = new Uint8Array(ATTACHMENT_PIECE_BYTES)
    assert.equal((await collect(checkPieceSizes(fromChunks([full, full, new Uint8Array(5)])))).length, 3)
    await assert.rejects(collect(checkPieceSizes(fromChunks([full, new Uint8Array(5), full]))), { name: 'InvalidAttachmentPieceError', reason: 'short_piece' })
  })
})
