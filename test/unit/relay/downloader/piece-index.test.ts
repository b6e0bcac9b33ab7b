/**
 * Proves the downloader's index reading and unit selectors against attachments built in memory:
 * the level-by-level index fetch loads only HAMT nodes (never a piece) and maps every piece to its
 * CID as the HAMT itself does; a unit's exact-paths selector makes a walk load exactly its pieces
 * and the HAMT nodes on their paths, each once (property-tested over sizes and subsets); a broken
 * index (missing or extra piece) is a typed AttachmentIndexError.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as raw from 'multiformats/codecs/raw'
import { ATTACHMENT_HAMT_OPTIONS, attachmentPieceKey } from '../../../../protocol/attachment.js'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { exactPathsSelector } from '../../../../relay/downloader/path-selector.js'
import { fetchAttachmentIndex } from '../../../../relay/downloader/piece-index.js'
import { planUnits, unitSync } from '../../../../relay/downloader/units.js'
import { buildAttachmentFrom, buildRandomAttachment, localSync } from '../../../helpers/attachment-download.js'
import { pseudoRandomBytes } from '../../../helpers/graphsync.js'
import type { TestAttachment } from '../../../helpers/attachment-download.js'
import type { FetchIndexBlocks } from '../../../../relay/downloader/piece-index.js'

/** Distinct pseudo-random pieces. */
async function randomAttachment (pieces: number): Promise<TestAttachment> {
  return buildRandomAttachment(pieces, pieces)
}

function fetcher (a: TestAttachment, loads: string[][]): FetchIndexBlocks {
  return async (paths, sizes) => {
    const blocks = await localSync(a.store, a.root, exactPathsSelector(paths))
    assert.ok(blocks.length <= sizes.length, 'the size bounds cover every block the sync carries')
    loads.push(blocks.map((b) => b.cid.toString()))
    return blocks
  }
}

describe('attachment index fetch', () => {
  it('reads a 300-piece index level by level without loading any piece', async () => {
    const a = await randomAttachment(300)
    const loads: string[][] = []
    const index = await fetchAttachmentIndex(a.root, 300, fetcher(a, loads))
    assert.ok(loads.length >= 2, 'root first, then at least one level of children')
    assert.deepEqual(loads[0], [a.root.toString()], 'level 0 is the root alone')
    const pieceCids = new Set(a.pieces.map(String))
    for (const sync of loads) for (const cid of sync) assert.ok(!pieceCids.has(cid), `index sync loaded piece ${cid}`)
    const hamt = await Hamt.load(a.store, a.root, ATTACHMENT_HAMT_OPTIONS)
    for (let n = 1; n <= 300; n++) {
      assert.equal(index.locations[n - 1].cid.toString(), String(await hamt.get(attachmentPieceKey(n))), `piece ${n}`)
      assert.equal(index.locations[n - 1].cid.code, raw.code)
    }
  })

  it('rejects an index missing a piece and one with a piece past m', async () => {
    const missing = await buildAttachmentFrom(pseudoRandomBytes(10 * 256 * 1024, 3), { pieceCount: 9 })
    await assert.rejects(fetchAttachmentIndex(missing.root, 10, fetcher(missing, [])), { name: 'AttachmentIndexError', reason: 'missing_piece', piece: 10 })
    const extra = await buildAttachmentFrom(pseudoRandomBytes(10 * 256 * 1024, 4), { extraKeys: [11] })
    await assert.rejects(fetchAttachmentIndex(extra.root, 10, fetcher(extra, [])), { name: 'AttachmentIndexError', reason: 'extra_piece', piece: 11 })
  })

  it('a unit selector loads exactly its pieces and their path nodes, each once', async () => {
    const a = await randomAttachment(200)
    const index = await fetchAttachmentIndex(a.root, 200, fetcher(a, []))
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 24 }), async (chosen) => {
      const pieces = [...chosen].sort((x, y) => x - y)
      const sync = unitSync(index, pieces)
      const loaded = (await localSync(a.store, a.root, sync.selector)).map((b) => b.cid.toString())
      assert.equal(new Set(loaded).size, loaded.length, 'no block loaded twice')
      const expected = new Set([...pieces.map((n) => a.pieces[n - 1].toString()), ...pieces.flatMap((n) => index.locations[n - 1].nodes)])
      assert.deepEqual(new Set(loaded), expected)
      assert.equal(sync.sizes.length, expected.size, 'maxBlocks is exactly the blocks carried')
    }), { numRuns: 60 })
  })

  it('fetches a CID shared by several pieces once per unit and fills every one of them', async () => {
    // one 4 KiB tile repeated: every piece has the same bytes, so the same CID
    const same = await buildAttachmentFrom(pseudoRandomBytes(5 * 256 * 1024, 9))
    const index = await fetchAttachmentIndex(same.root, 5, fetcher(same, []))
    const sync = unitSync(index, [1, 2, 3, 4, 5])
    assert.deepEqual([...sync.piecesByCid.values()], [[1, 2, 3, 4, 5]])
    const loaded = await localSync(same.store, same.root, sync.selector)
    assert.equal(loaded.filter((b) => b.cid.equals(same.pieces[0])).length, 1)
  })

  it('plans contiguous units over the missing pieces only', () => {
    const done = new Set([3, 4, 10])
    const units = planUnits(12, (n) => done.has(n), 4)
    assert.deepEqual(units.map((u) => u.pieces), [[1, 2], [5, 6, 7, 8], [9], [11, 12]])
  })
})
