/**
 * Proves the partial file and its sidecar: pieces land at (n-1) × 256 KiB in any order; a reopened
 * file keeps exactly the claimed pieces that still hash to their CIDs (a corrupted one is dropped);
 * a sidecar of another attachment is refused; a wrong-sized piece is refused; `finish` truncates to
 * the exact size and removes the sidecar.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { equals } from 'multiformats/bytes'
import { PartialFile } from '../../../../relay/downloader/partial-file.js'
import { buildRandomAttachment } from '../../../helpers/attachment-download.js'
import type { TestAttachment } from '../../../helpers/attachment-download.js'

const PIECE = 256 * 1024

describe('partial attachment file', () => {
  let dir: string
  let a: TestAttachment
  const piece = (n: number): Uint8Array => a.bytes.subarray((n - 1) * PIECE, n * PIECE)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-partial-'))
    a = await buildRandomAttachment(6, 11, 1000)
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('resumes the verified pieces only and completes to the exact bytes', async () => {
    const out = join(dir, 'a.tgz')
    const first = await PartialFile.open(out, a.root, a.pieces)
    assert.equal(first.resumedPieces, 0)
    for (const n of [6, 2, 4, 1]) assert.equal(await first.write(n, piece(n)), true)
    assert.equal(await first.write(2, piece(2)), false, 'a piece is written once')
    await first.close()

    // corrupt piece 4 on disk: the sidecar still claims it
    const handle = await open(out, 'r+')
    await handle.write(new Uint8Array([0xff ^ piece(4)[10]]), 0, 1, 3 * PIECE + 10)
    await handle.close()

    const second = await PartialFile.open(out, a.root, a.pieces)
    assert.equal(second.resumedPieces, 3)
    assert.deepEqual([1, 2, 3, 4, 5, 6].filter((n) => second.has(n)), [1, 2, 6])
    for (const n of [3, 4, 5]) await second.write(n, piece(n))
    await second.finish()
    assert.ok(equals(new Uint8Array(await readFile(out)), a.bytes))
    await assert.rejects(stat(out + '.progress'), { code: 'ENOENT' })
  })

  it('refuses a sidecar of another attachment and a wrong-sized piece', async () => {
    const out = join(dir, 'b.tgz')
    await writeFile(out + '.progress', JSON.stringify({ v: 1, root: a.root.toString(), pieces: 7, done: 'AA==' }))
    await assert.rejects(PartialFile.open(out, a.root, a.pieces), { name: 'ProgressMismatchError' })
    await rm(out + '.progress')
    const file = await PartialFile.open(out, a.root, a.pieces)
    await assert.rejects(file.write(2, piece(2).subarray(1)), { name: 'AttachmentIndexError', reason: 'piece_size', piece: 2 })
    await assert.rejects(file.write(6, new Uint8Array(PIECE + 1)), { name: 'AttachmentIndexError', reason: 'piece_size' })
    await file.close()
  })
})
