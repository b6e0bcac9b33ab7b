/**
 * Proves `attachment get` with every party a real process on loopback: two relays (`tau-relay
 * start`, charging, no free quota), two NATed targets (`peer serve --relay-only`, one behind each
 * relay) holding a 64 MiB TGZ attachment, and the downloader itself. It downloads through both
 * routes in parallel byte-identical and unpacks; a spend cap stops it with SpendCapReachedError,
 * the receipts' charges and both relays' ledgers at or under the cap; a downloader SIGKILLed
 * mid-way resumes without re-fetching its pieces; a target SIGKILLed mid-way leaves the download
 * to finish on the other route.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { equals } from 'multiformats/bytes'
import { create as tarCreate } from 'tar'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { writeTauKeyFile } from '../../relay/keys.js'
import { buildAttachmentFrom } from '../helpers/attachment-download.js'
import { writeCarFile } from '../helpers/car.js'
import { testKey } from '../helpers/ledger.js'
import { adminRequest, childEnv, creditThroughAdmin, startProcess, stopProcess, writeTestRelayConfig } from '../helpers/relay-process.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'
import type { TestAttachment } from '../helpers/attachment-download.js'

const PAYER = testKey('attachment download payer')
const CREDIT_NANO_TAU = 10_000_000_000n
const PAYLOAD_BYTES = 64 * 1024 * 1024 - 100_000
const CHILD = fileURLToPath(new URL('../helpers/attachment-get-child.js', import.meta.url))
/** Each download here moves ~64 MiB: a minute means something hangs. */
const RUN_TIMEOUT_MS = 60_000

interface RouteSummary { pieces: number, charge: string, dropped: boolean, failures: number, receipts: Array<{ charge: string, blocks: number }> }
interface Summary {
  status: string,
  error?: { name: string },
  pieces: number,
  resumedPieces: number,
  fetchedPieces: number,
  bytes: number,
  charge: string,
  chargeUpperBound: string,
  routes: RouteSummary[],
  unpacked?: { entries: number }
}

interface Relay { dir: string, process: RunningProcess<RelayStartedLine> }

describe('attachment get: two relays, two NATed targets, real processes', () => {
  let dir: string
  let env: Record<string, string>
  const relays: Relay[] = []
  const targets: Array<RunningProcess<{ peerId: string }>> = []
  let attachment: TestAttachment
  let payload: Uint8Array
  const cleanup: Array<() => Promise<void>> = []

  async function startRelay (name: string): Promise<Relay> {
    const relayDir = join(dir, name)
    await mkdir(relayDir)
    const process = await startProcess<RelayStartedLine>(['start', '--config', await writeTestRelayConfig(relayDir)], { cwd: relayDir, env, msg: 'relay started' })
    cleanup.push(async () => { await stopProcess(process, 'SIGTERM') })
    assert.equal((await creditThroughAdmin(join(relayDir, 'data'), process.line.http, PAYER, CREDIT_NANO_TAU)).status, 201)
    return { dir: relayDir, process }
  }

  async function startTarget (relay: Relay): Promise<RunningProcess<{ peerId: string }>> {
    // 40 MB/s each: fast, yet slow enough that the tests can act while the download runs
    const target = await startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'attachment.car'), '--relay', relay.process.line.multiaddrs[0], '--relay-only', '--rate-limit-mbps', '40'],
      { cwd: dir, env, msg: 'peer ready' })
    cleanup.push(async () => {
      if (target.child.exitCode === null && target.child.signalCode === null) await stopProcess(target, 'SIGTERM')
    })
    return target
  }

  async function balance (relay: Relay): Promise<bigint> {
    const response = await adminRequest(join(relay.dir, 'data'), relay.process.line.http, 'GET', `/admin/accounts/${formatTauAddress(PAYER.address)}`)
    return BigInt(((await response.json()) as { balanceNanoTau: string }).balanceNanoTau)
  }

  function routeArg (i: number): string {
    return `${relays[i].process.line.multiaddrs[0]}/p2p-circuit/p2p/${targets[i].line.peerId}`
  }

  /** Starts the downloader process; `done` resolves with its exit code and parsed `--json` summary. */
  function get (routes: number[], extra: string[]): { child: ReturnType<typeof spawn>, done: Promise<{ code: number | null, summary: Summary, stderr: string }> } {
    const args = ['--root', attachment.root.toString(), '--pieces', String(attachment.pieces.length), '--key', join(dir, 'payer.key'), '--json',
      ...routes.flatMap((i) => ['--route', routeArg(i)]), ...extra]
    const child = spawn(process.execPath, [CHILD, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
    const done = new Promise<{ code: number | null, summary: Summary, stderr: string }>((resolve) => {
      child.once('exit', (code) => {
        clearTimeout(timer)
        const text = stdout.trim()
        resolve({ code, summary: (text.startsWith('{') ? JSON.parse(text) : {}) as Summary, stderr })
      })
    })
    return { child, done }
  }

  /** Pieces the sidecar of `tgz` records as written (0 while it does not exist). */
  async function sidecarPieces (tgz: string): Promise<number> {
    try {
      const { done } = JSON.parse(await readFile(`${tgz}.progress`, 'utf8')) as { done: string }
      return [...Buffer.from(done, 'base64')].reduce((n, byte) => n + popcount(byte), 0)
    } catch {
      return 0
    }
  }

  async function waitForPieces (tgz: string, pieces: number, exited: Promise<unknown>): Promise<number> {
    let gone = false
    void exited.then(() => { gone = true })
    const deadline = Date.now() + 30_000
    for (;;) {
      const count = await sidecarPieces(tgz)
      if (count >= pieces) return count
      assert.ok(!gone, 'the download ended before the test could act')
      assert.ok(Date.now() < deadline, `only ${count} pieces after 30 s`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  const sumCharges = (summary: Summary): bigint => summary.routes.flatMap((r) => r.receipts).reduce((sum, e) => sum + BigInt(e.charge), 0n)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-attachment-get-'))
    env = childEnv({})
    const source = join(dir, 'source')
    await mkdir(source)
    payload = randomBytes(PAYLOAD_BYTES)
    await writeFile(join(source, 'video.bin'), payload)
    await writeFile(join(source, 'notes.txt'), 'two relays, two targets\n')
    const chunks: Buffer[] = []
    for await (const chunk of tarCreate({ gzip: { level: 1 }, cwd: source, portable: true }, ['video.bin', 'notes.txt'])) chunks.push(chunk as Buffer)
    attachment = await buildAttachmentFrom(Buffer.concat(chunks))
    await writeCarFile(join(dir, 'attachment.car'), [attachment.root], attachment.blocks)
    await writeTauKeyFile(join(dir, 'payer.key'), PAYER.privateKey)
    relays.push(...await Promise.all([startRelay('relay1'), startRelay('relay2')]))
    targets.push(...await Promise.all(relays.map(startTarget)))
  })

  after(async () => {
    // targets first, then relays (started in the other order), even when `before` failed half-way
    for (const stop of cleanup.reverse()) await stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('downloads through both routes in parallel, byte-identical, and unpacks', async () => {
    const before = await Promise.all(relays.map(balance))
    const tgz = join(dir, 'first.tgz')
    const { code, summary, stderr } = await get([0, 1], ['--out', join(dir, 'first'), '--tgz', tgz]).done
    assert.equal(code, 0, stderr)
    assert.equal(summary.status, 'completed')
    assert.ok(summary.routes.every((r) => r.pieces > 0), 'both routes delivered pieces')
    assert.equal(summary.routes[0].pieces + summary.routes[1].pieces, attachment.pieces.length)
    assert.ok(equals(new Uint8Array(await readFile(tgz)), attachment.bytes), 'the TGZ is byte-identical')
    assert.ok(equals(new Uint8Array(await readFile(join(dir, 'first', 'video.bin'))), payload), 'the unpacked file is byte-identical')
    const after = await Promise.all(relays.map(balance))
    // each relay's ledger charged exactly what its route's receipts say
    summary.routes.forEach((r, i) => { assert.equal(before[i] - after[i], r.receipts.reduce((s, e) => s + BigInt(e.charge), 0n)) })
    assert.equal(sumCharges(summary), BigInt(summary.charge))
  })

  it('stops at the total spend cap with SpendCapReachedError, nothing charged past it', async () => {
    const before = await Promise.all(relays.map(balance))
    const cap = 20_000_000n // about 20 MiB at 1,000,000 nanoTAU per MiB
    const { code, summary } = await get([0, 1], ['--out', join(dir, 'capped'), '--no-unpack', '--max-charge', cap.toString()]).done
    assert.equal(code, 1)
    assert.equal(summary.status, 'spend_cap_reached')
    assert.equal(summary.error?.name, 'SpendCapReachedError')
    assert.ok(summary.fetchedPieces > 0 && summary.fetchedPieces < attachment.pieces.length)
    assert.ok(sumCharges(summary) <= cap, `receipts charge ${sumCharges(summary)} > cap`)
    assert.ok(BigInt(summary.chargeUpperBound) <= cap)
    const after = await Promise.all(relays.map(balance))
    const debited = before[0] - after[0] + before[1] - after[1]
    assert.ok(debited <= cap, `the ledgers debited ${debited} > cap ${cap}`)
    assert.ok(debited >= sumCharges(summary))
  })

  it('resumes after the downloader is SIGKILLed without re-fetching its pieces', async () => {
    const tgz = join(dir, 'resume.tgz')
    const first = get([0], ['--out', join(dir, 'resume'), '--tgz', tgz, '--no-unpack', '--concurrency', '1'])
    const written = await waitForPieces(tgz, 64, first.done)
    first.child.kill('SIGKILL')
    assert.equal((await first.done).code, null)
    const { code, summary, stderr } = await get([0, 1], ['--out', join(dir, 'resume'), '--tgz', tgz, '--no-unpack']).done
    assert.equal(code, 0, stderr)
    assert.ok(summary.resumedPieces >= written, `resumed ${summary.resumedPieces} < ${written} recorded`)
    assert.equal(summary.fetchedPieces, attachment.pieces.length - summary.resumedPieces)
    const delivered = summary.routes.reduce((n, r) => n + r.pieces, 0)
    assert.equal(delivered, summary.fetchedPieces, 'no resumed piece was fetched again')
    assert.ok(equals(new Uint8Array(await readFile(tgz)), attachment.bytes))
  })

  it('finishes on the other route when a target is SIGKILLed mid-way', async () => {
    const tgz = join(dir, 'killed.tgz')
    const run = get([0, 1], ['--out', join(dir, 'killed'), '--tgz', tgz, '--no-unpack'])
    await waitForPieces(tgz, 48, run.done)
    await stopProcess(targets[1], 'SIGKILL')
    const { code, summary, stderr } = await run.done
    assert.equal(code, 0, stderr)
    assert.ok(summary.routes[1].failures > 0, 'the killed route failed')
    assert.ok(summary.routes[0].pieces > summary.routes[1].pieces)
    assert.ok(equals(new Uint8Array(await readFile(tgz)), attachment.bytes))
  })
})

function popcount (byte: number): number {
  let n = 0
  for (let b = byte; b !== 0; b &= b - 1) n++
  return n
}
