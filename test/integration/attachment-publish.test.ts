// Proves TAU attachments round-trip through real files: a nested folder (a 1.5 MiB file, an empty
// file, an empty folder, a symlink) publishes to a CAR of 256 KiB raw pieces (the last shorter)
// under a HAMT root, unpacks byte-identical, and publishes to the same root from a copy with other
// mtimes; and that unpack is all or nothing: a corrupted piece, a traversal, absolute or escaping
// link entry, or a broken TGZ fails by name with no destination and no staging directory left.
import assert from 'node:assert/strict'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ATTACHMENT_PIECE_BYTES, attachmentPieceCount } from '../../protocol/attachment.js'
import { attachmentFromCar } from '../../relay/attachments/car-index-store.js'
import { attachmentPieces, readAttachmentIndex, readPieces } from '../../relay/attachments/piece-index.js'
import { publishAttachment } from '../../relay/attachments/publish.js'
import { unpackAttachment } from '../../relay/attachments/unpack.js'
import { openCarFiles } from '../../relay/peer/car-store.js'
import { describeTree, noiseBytes, piecesOf, rawTgz, writeSampleTree } from '../helpers/attachment.js'

describe('publishAttachment and unpackAttachment on real files', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-attach-'))
    await writeSampleTree(join(dir, 'src', 'album'))
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  /** Entries of `parent` whose names mark an unpack's staging directory. */
  async function leftovers (parent: string): Promise<string[]> {
    return (await readdir(parent)).filter((name) => name.includes('.unpack-'))
  }

  it('publishes a nested folder into 256 KiB pieces under the CAR root and unpacks it byte-identical', async () => {
    const published = await publishAttachment(['album'], { cwd: join(dir, 'src'), out: join(dir, 'album.car') })
    assert.equal(published.car, join(dir, 'album.car'))
    assert.equal(published.pieces, attachmentPieceCount(published.bytes))
    assert.ok(published.pieces >= 7, `a 1.5 MiB file of noise spans pieces (${published.pieces})`)
    assert.match(published.tgzSha256, /^[0-9a-f]{64}$/)

    const { store, root } = await attachmentFromCar(published.car)
    try {
      assert.deepEqual(store.roots.map(String), [published.root.toString()], 'the CAR header names the HAMT root')
      assert.equal(root.toString(), published.root.toString())
      const cids = await readAttachmentIndex(store, root)
      assert.equal(cids.length, published.pieces)
      const sizes: number[] = []
      for await (const piece of attachmentPieces(store, root)) sizes.push(piece.byteLength)
      sizes.slice(0, -1).forEach((size, i) => { assert.equal(size, ATTACHMENT_PIECE_BYTES, `piece ${i + 1}`) })
      assert.ok(sizes[sizes.length - 1] >= 1 && sizes[sizes.length - 1] <= ATTACHMENT_PIECE_BYTES)
      assert.equal(sizes.reduce((a, b) => a + b, 0), published.bytes)

      const unpacked = await unpackAttachment(readPieces(store, cids), join(dir, 'out'))
      assert.equal(unpacked.pieces, published.pieces)
      assert.equal(unpacked.bytes, published.bytes)
    } finally {
      await store.close()
    }
    assert.deepEqual(await describeTree(join(dir, 'out', 'album')), await describeTree(join(dir, 'src', 'album')))
    assert.deepEqual(await readdir(join(dir, 'out')), ['album'])
    assert.deepEqual(await leftovers(dir), [])
    assert.equal(await stat(join(dir, 'album.car.partial')).catch(() => 'gone'), 'gone')
  })

  it('gives the same root and CAR for the same input, and for a copy with other mtimes', async () => {
    const a = await publishAttachment(['album'], { cwd: join(dir, 'src'), out: join(dir, 'a.car') })
    const b = await publishAttachment(['album'], { cwd: join(dir, 'src'), out: join(dir, 'b.car') })
    assert.equal(a.root.toString(), b.root.toString())
    assert.deepEqual(await readFile(a.car), await readFile(b.car))

    await cp(join(dir, 'src', 'album'), join(dir, 'copy', 'album'), { recursive: true, verbatimSymlinks: true })
    await utimes(join(dir, 'copy', 'album', 'big.bin'), new Date('2001-02-03'), new Date('2001-02-03'))
    const c = await publishAttachment(['album'], { cwd: join(dir, 'copy'), out: join(dir, 'c.car') })
    assert.equal(c.root.toString(), a.root.toString())

    await writeFile(join(dir, 'copy', 'album', 'docs', 'empty.txt'), 'x')
    const d = await publishAttachment(['album'], { cwd: join(dir, 'copy'), out: join(dir, 'd.car') })
    assert.notEqual(d.root.toString(), a.root.toString(), 'one changed byte changes the root')
  })

  it('refuses inputs outside cwd or missing, leaving no CAR', async () => {
    await assert.rejects(publishAttachment(['../etc'], { cwd: join(dir, 'src'), out: join(dir, 'x.car') }), { name: 'AttachmentInputError', reason: 'outside_cwd' })
    await assert.rejects(publishAttachment([join(dir, 'src', 'album')], { cwd: join(dir, 'copy'), out: join(dir, 'x.car') }), { name: 'AttachmentInputError', reason: 'outside_cwd' })
    await assert.rejects(publishAttachment(['nope'], { cwd: join(dir, 'src'), out: join(dir, 'x.car') }), { name: 'AttachmentInputError', reason: 'not_found' })
    assert.equal(await stat(join(dir, 'x.car')).catch(() => 'absent'), 'absent')
  })

  it('fails on a corrupted piece with BlockHashMismatchError and leaves no half-written tree', async () => {
    const published = await publishAttachment(['album'], { cwd: join(dir, 'src'), out: join(dir, 'corrupt.car') })
    const bytes = await readFile(published.car)
    // well inside piece 3: the extractor has already written the first pieces' files when it fails
    bytes[3 * ATTACHMENT_PIECE_BYTES - 1000] ^= 0xff
    await writeFile(published.car, bytes)
    const { store, root } = await attachmentFromCar(published.car)
    try {
      const cids = await readAttachmentIndex(store, root)
      await assert.rejects(unpackAttachment(readPieces(store, cids), join(dir, 'corrupt-out')), { name: 'BlockHashMismatchError' })
    } finally {
      await store.close()
    }
    assert.equal(await stat(join(dir, 'corrupt-out')).catch(() => 'absent'), 'absent')
    assert.deepEqual(await leftovers(dir), [])
    // serving refuses the same CAR at start
    await assert.rejects(openCarFiles([published.car]), { name: 'BlockHashMismatchError' })
  })

  it('refuses traversal, absolute and escaping link entries by reason, writing nothing', async () => {
    const cases: Array<[Parameters<typeof rawTgz>[0], string]> = [
      [[{ path: 'ok.txt', body: new Uint8Array([1]) }, { path: '../evil.txt', body: new Uint8Array([2]) }], 'traversal'],
      [[{ path: 'ok.txt', body: new Uint8Array([1]) }, { path: 'a/../../evil.txt', body: new Uint8Array([2]) }], 'traversal'],
      [[{ path: join(dir, 'evil-abs.txt'), body: new Uint8Array([2]) }], 'absolute'],
      [[{ path: 'up', type: 'SymbolicLink', linkpath: '..' }, { path: 'up/evil.txt', body: new Uint8Array([2]) }], 'link_escape'],
      [[{ path: 'dev', type: 'CharacterDevice' }], 'entry_type']
    ]
    for (const [entries, reason] of cases) {
      const dest = join(dir, 'unsafe', reason)
      await assert.rejects(unpackAttachment(piecesOf(rawTgz(entries)), dest), { name: 'UnsafeAttachmentEntryError', reason }, reason)
      assert.equal(await stat(dest).catch(() => 'absent'), 'absent', reason)
    }
    assert.equal(await stat(join(dir, 'unsafe', 'evil.txt')).catch(() => 'absent'), 'absent')
    assert.equal(await stat(join(dir, 'evil.txt')).catch(() => 'absent'), 'absent')
    assert.equal(await stat(join(dir, 'evil-abs.txt')).catch(() => 'absent'), 'absent')
    assert.deepEqual(await leftovers(join(dir, 'unsafe')), [])
  })

  it('refuses bytes that are not a TGZ, a truncated TGZ and a non-empty destination by name', async () => {
    await assert.rejects(unpackAttachment(piecesOf(noiseBytes(3000, 9)), join(dir, 'noise')), { name: 'AttachmentArchiveError' })
    const tgz = rawTgz([{ path: 'a.bin', body: noiseBytes(200_000, 3) }])
    await assert.rejects(unpackAttachment(piecesOf(tgz.subarray(0, 100_000)), join(dir, 'truncated')), { name: 'AttachmentArchiveError' })
    assert.equal(await stat(join(dir, 'truncated')).catch(() => 'absent'), 'absent')
    await mkdir(join(dir, 'full'))
    await writeFile(join(dir, 'full', 'x'), 'x')
    await assert.rejects(unpackAttachment(piecesOf(tgz), join(dir, 'full')), { name: 'AttachmentInputError', reason: 'destination_not_empty' })
    await mkdir(join(dir, 'empty-dest'))
    await unpackAttachment(piecesOf(tgz), join(dir, 'empty-dest'))
    assert.equal((await readFile(join(dir, 'empty-dest', 'a.bin'))).byteLength, 200_000)
  })
})
