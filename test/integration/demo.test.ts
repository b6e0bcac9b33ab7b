/**
 * Proves `tau-relay demo` (`npm run demo`) does what the README promises: a relay, a NATed and a
 * direct target and a requester as real processes publish, fetch (charged past the free quota),
 * unpack byte-identical and verify the receipt, resolve a future state root, earn seeding credit,
 * and exit 0 leaving nothing running (the relay's HTTP port is closed) and no files behind.
 */
import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { childEnv, runCommand } from '../helpers/relay-process.js'

interface DemoSummary {
  dir: string
  relay: { http: string }
  attachment: { attachmentRoot: string, pieces: number }
  fetch: { status: string, charge: string, receiptVerified: boolean }
  future: { root: string }
  identical: boolean
  account: { freeQuotaAvailableBytes: number, balanceNanoTau: string }
  seeder?: { seedingCreditNanoTau: string }
  metrics: string
  policy: string
}

describe('tau-relay demo', () => {
  it('runs a paid sync start to finish and leaves nothing running', async () => {
    const { code, stdout, stderr } = await runCommand(['demo', '--json'], { cwd: process.cwd(), env: childEnv({}), timeoutMs: 180_000 })
    assert.equal(code, 0, stderr)
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as DemoSummary
    assert.equal(summary.fetch.status, 'completed')
    assert.equal(summary.fetch.receiptVerified, true)
    assert.ok(BigInt(summary.fetch.charge) > 0n, 'the attachment is larger than the demo free quota')
    assert.equal(summary.identical, true)
    assert.equal(summary.future.root, summary.attachment.attachmentRoot)
    assert.equal(summary.account.freeQuotaAvailableBytes, 0)
    assert.ok(BigInt(summary.seeder?.seedingCreditNanoTau ?? '0') > 0n, 'the NATed target earned seeding credit')
    assert.match(summary.metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    await assert.rejects(fetch(`${summary.relay.http}/healthz`), 'the relay is stopped')
    await assert.rejects(access(summary.dir), 'the demo directory is removed')
  })
})
