/**
 * Proves the downloader's scheduling against a real relay-sync relay (in-process, real ledger and
 * transfer log) and real target peers over loopback TCP: a route whose target uploads at 50 kB/s
 * has its unit re-issued on the fast route and the download finishes long before the slow target
 * could; a route to a target that is gone is dropped and its units finish elsewhere; a total spend
 * cap stops the download with SpendCapReachedError, the receipts' charges and the relay's ledger
 * both at or under the cap.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { equals } from 'multiformats/bytes'
import { AttachmentDownloader, downloadAttachment } from '../../relay/downloader/downloader.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { buildRandomAttachment } from '../helpers/attachment-download.js'
import { PAYER, startRelayHarness } from '../helpers/relay-sync.js'
import type { DownloadRoute } from '../../relay/downloader/types.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { TestAttachment } from '../helpers/attachment-download.js'
import type { RelayHarness } from '../helpers/relay-sync.js'

const PIECES = 32

describe('attachment downloader scheduling (in-process relay, loopback targets)', () => {
  let dir: string
  let harness: RelayHarness
  let a: TestAttachment
  let fast: TargetPeer
  let slow: TargetPeer
  let gone: TargetPeer

  const route = (peer: TargetPeer): DownloadRoute => ({ relay: harness.relay.getMultiaddrs()[0], peer: peer.peerId, addrs: peer.node.getMultiaddrs() })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-download-sched-'))
    harness = await startRelayHarness({ freeQuotaBytes: 0, pricing: { perBlock: 1000n, perMiB: 1_000_000n } })
    a = await buildRandomAttachment(PIECES, 5, 12_345)
    fast = await startTargetPeer({ blockStore: a.store })
    slow = await startTargetPeer({ blockStore: a.store, maxBytesPerSecond: 50_000 })
    gone = await startTargetPeer({ blockStore: a.store })
    await gone.stop()
  })

  after(async () => {
    await fast.stop()
    await slow.stop()
    await harness.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('re-issues a slow route\'s unit on the fast route and keeps the first to finish', async () => {
    const out = join(dir, 'hedged.tgz')
    const report = await downloadAttachment({
      root: a.root, pieces: PIECES, routes: [route(slow), route(fast)], out, client: harness.client, unitPieces: 2, signal: AbortSignal.timeout(30_000)
    })
    assert.ok(equals(new Uint8Array(await readFile(out)), a.bytes), 'byte-identical')
    const [slowRoute, fastRoute] = report.routes
    assert.ok(slowRoute.slowReissues >= 1, 'the slow route\'s unit was re-issued')
    assert.ok(fastRoute.pieces > slowRoute.pieces)
    // the slow target alone needs 512 KiB / 50 kB/s ≈ 10 s for one unit
    assert.ok(report.elapsedMs < 8_000, `took ${report.elapsedMs} ms`)
    assert.equal(report.fetchedPieces, PIECES)
  })

  it('drops a route whose target is gone and finishes on the other', async () => {
    const out = join(dir, 'failover.tgz')
    const report = await downloadAttachment({
      root: a.root, pieces: PIECES, routes: [route(gone), route(fast)], out, client: harness.client, unitPieces: 4, signal: AbortSignal.timeout(30_000)
    })
    assert.ok(equals(new Uint8Array(await readFile(out)), a.bytes))
    assert.equal(report.routes[0].dropped, true)
    assert.equal(report.routes[0].pieces, 0)
    assert.equal(report.routes[1].pieces, PIECES)
  })

  it('stops at the total spend cap with nothing charged beyond it', async () => {
    const before = (await harness.accounts.ledger.account(PAYER.address))?.balanceNanoTau ?? 0n
    // the index (a few small blocks) plus about three 4-piece units at ~1.05 MTAU each
    const cap = 3_500_000n
    const downloader = new AttachmentDownloader({
      root: a.root, pieces: PIECES, routes: [route(fast)], out: join(dir, 'capped.tgz'), client: harness.client, unitPieces: 4, maxChargeTotal: cap
    })
    await assert.rejects(downloader.download(), { name: 'SpendCapReachedError', scope: 'total', capNanoTau: cap })
    const report = downloader.report()
    const receipts = report.routes.flatMap((r) => r.receipts)
    const charged = receipts.reduce((sum, e) => sum + e.charge, 0n)
    assert.ok(receipts.length >= 2 && charged > 0n)
    assert.equal(charged, report.charge)
    assert.ok(report.chargeUpperBound <= cap, `upper bound ${report.chargeUpperBound} > cap`)
    assert.ok(report.fetchedPieces > 0 && report.fetchedPieces < PIECES)
    const after = (await harness.accounts.ledger.account(PAYER.address))?.balanceNanoTau ?? 0n
    assert.equal(before - after, charged, 'the ledger charged what the receipts say')
  })
})
