// Proves the attachment piece keys are minimal uvarints of 1..m and that anything else is refused by name.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import fc from 'fast-check'
import { attachmentPieceKey, parseAttachmentPieceKey, parseAttachmentPieceValue, attachmentPieceCount, ATTACHMENT_PIECE_BYTES } from '../../../protocol/attachment.js'

test('piece keys are uvarints: 1 → 01, 127 → 7f, 128 → 80 01, 300 → ac 02', () => {
  assert.deepEqual([...attachmentPieceKey(1)], [0x01])
  assert.deepEqual([...attachmentPieceKey(127)], [0x7f])
  assert.deepEqual([...attachmentPieceKey(128)], [0x80, 0x01])
  assert.deepEqual([...attachmentPieceKey(300)], [0xac, 0x02])
})

test('every piece number round-trips through its key', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n) => parseAttachmentPieceKey(attachmentPieceKey(n)) === n))
})

test('piece 0, negative, fractional and too-large numbers are refused', () => {
  for (const n of [0, -1, 1.5, 2 ** 31, Number.NaN]) {
    assert.throws(() => attachmentPieceKey(n), { name: 'MalformedMessageError' })
  }
})

test('keys that are empty, non-minimal, zero or with trailing bytes are refused', () => {
  for (const key of [[], [0x00], [0x81, 0x00], [0x01, 0x01], [0x80]]) {
    assert.throws(() => parseAttachmentPieceKey(Uint8Array.from(key)), { name: 'MalformedMessageError' }, `key ${key.join(',')}`)
  }
})

test('piece values must be CIDv1 raw links', async () => {
  const bytes = new Uint8Array([1, 2, 3])
  const rawCid = CID.createV1(raw.code, await sha256.digest(bytes))
  assert.equal(parseAttachmentPieceValue(rawCid).toString(), rawCid.toString())
  const cborCid = CID.createV1(0x71, await sha256.digest(bytes))
  assert.throws(() => parseAttachmentPieceValue(cborCid), { name: 'MalformedMessageError' })
  assert.throws(() => parseAttachmentPieceValue(rawCid.bytes), { name: 'MalformedMessageError' })
  assert.throws(() => parseAttachmentPieceValue(null), { name: 'MalformedMessageError' })
})

test('piece count: 0 bytes → 1, one piece exactly → 1, one byte more → 2', () => {
  assert.equal(attachmentPieceCount(0), 1)
  assert.equal(attachmentPieceCount(ATTACHMENT_PIECE_BYTES), 1)
  assert.equal(attachmentPieceCount(ATTACHMENT_PIECE_BYTES + 1), 2)
})
