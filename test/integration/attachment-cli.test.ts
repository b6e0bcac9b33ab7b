// Proves the attachment commands as real processes around a real relay: `peer publish` packs two
// folders into CARs, `peer serve --state-root-file` serves both and answers future-state with the
// root in the file, a requester's null-root `fetch --chain` gets root A, then, once the file holds
// B, gets B (bad content in between is reported and ignored); `attachment unpack` turns each
// fetched CAR back into the published folder byte for byte; wrong command lines exit 2 and a
// corrupted CAR exits 1 without writing the destination.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { describeTree, writeSampleTree } from '../helpers/attachment.js'
import { childEnv, runCommand, startProcess, stopProcess } from '../helpers/relay-process.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'

interface Published { attachmentRoot: string, pieces: number, bytes: number, car: string }

describe('peer publish, peer serve --state-root-file, fetch --chain and attachment unpack as processes', () => {
  let dir: string
  let env: Record<string, string>
  let relay: RunningProcess<RelayStartedLine>
  let target: RunningProcess<{ peerId: string }> | undefined
  let a: Published
  let b: Published
  const targetLines: Array<Record<string, unknown>> = []
  const targetErrors: string[] = []

  async function run (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
    return runCommand(args, { cwd: dir, env, timeoutMs: 60_000 })
  }

  /** Waits (bounded) for a line of the target's output that `match` accepts. */
  async function waitForLine (lines: unknown[], match: (line: unknown) => boolean, what: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (lines.some(match)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.fail(`no ${what} in 10 s`)
  }

  /** Replaces the root file the safe way: write a temporary file, rename it over. */
  async function writeRootFile (text: string): Promise<void> {
    await writeFile(join(dir, 'root.txt.tmp'), text)
    await rename(join(dir, 'root.txt.tmp'), join(dir, 'root.txt'))
  }

  async function fetchChain (out: string): Promise<{ status: string, root: string }> {
    const fetched = await run(['fetch', '--relay', relay.line.multiaddrs[0], '--peer', target?.line.peerId ?? '', '--chain', '00',
      '--out', join(dir, out), '--json'])
    assert.equal(fetched.code, 0, fetched.stderr)
    return JSON.parse(fetched.stdout) as { status: string, root: string }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-attach-cli-'))
    env = childEnv({})
    await writeSampleTree(join(dir, 'src', 'album-a'), 1)
    await writeSampleTree(join(dir, 'src', 'album-b'), 2)
    await writeFile(join(dir, 'relay.config.json'), JSON.stringify({
      dataDir: './data',
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      http: { host: '127.0.0.1', port: 0 },
      log: { format: 'json' },
      // a fresh requester key pays nothing within the free quota: no settlement needed here
      initialPolicy: { perBlockNanoTau: '1000', perMiBNanoTau: '1000000', freeQuotaBytes: 64 * 1024 * 1024 }
    }))
    relay = await startProcess<RelayStartedLine>(['start', '--config', join(dir, 'relay.config.json')], { cwd: dir, env, msg: 'relay started' })

    const publishedA = await run(['peer', 'publish', 'album-a', '--cwd', join(dir, 'src'), '--out', join(dir, 'a.car'), '--json'])
    assert.equal(publishedA.code, 0, publishedA.stderr)
    a = JSON.parse(publishedA.stdout) as Published
    const publishedB = await run(['peer', 'publish', 'album-b', '--cwd', join(dir, 'src'), '--out', join(dir, 'b.car')])
    assert.equal(publishedB.code, 0, publishedB.stderr)
    assert.match(publishedB.stdout, /^attachment bafy/, 'a human summary without --json')
    b = JSON.parse((await run(['peer', 'publish', 'album-b', '--cwd', join(dir, 'src'), '--out', join(dir, 'b.car'), '--json'])).stdout) as Published
    assert.ok(publishedB.stdout.includes(b.attachmentRoot), 'the same root printed both ways')

    await writeRootFile(`${a.attachmentRoot}\n`)
    target = await startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'a.car'), '--car', join(dir, 'b.car'),
      '--relay', relay.line.multiaddrs[0], '--relay-only', '--chain', '00', '--state-root-file', join(dir, 'root.txt')], { cwd: dir, env, msg: 'peer ready' })
    createInterface({ input: target.child.stdout! }).on('line', (line) => { if (line.startsWith('{')) targetLines.push(JSON.parse(line) as Record<string, unknown>) })
    target.child.stderr?.on('data', (chunk: Buffer) => { targetErrors.push(chunk.toString()) })
  })

  after(async () => {
    if (target !== undefined) await stopProcess(target, 'SIGTERM')
    await stopProcess(relay, 'SIGTERM')
    await rm(dir, { recursive: true, force: true })
  })

  it('publish prints the attachment root, its pieces and TGZ bytes', () => {
    assert.match(a.attachmentRoot, /^bafy2bzace/)
    assert.equal(a.pieces, Math.ceil(a.bytes / ATTACHMENT_PIECE_BYTES))
    assert.equal(a.car, join(dir, 'a.car'))
    assert.notEqual(a.attachmentRoot, b.attachmentRoot)
  })

  it('answers a null-root fetch with root A, then with B once the file holds B, keeping B over bad content', async () => {
    const first = await fetchChain('first.car')
    assert.equal(first.status, 'completed')
    assert.equal(first.root, a.attachmentRoot)

    await writeRootFile(b.attachmentRoot)
    await waitForLine(targetLines, (l) => (l as { msg?: string, root?: string }).msg === 'state root changed' && (l as { root?: string }).root === b.attachmentRoot, 'state root changed line')
    const second = await fetchChain('second.car')
    assert.equal(second.root, b.attachmentRoot)

    await writeRootFile('not a cid')
    await waitForLine(targetErrors, (l) => String(l).includes('state root file ignored'), 'ignored line')
    const third = await fetchChain('third.car')
    assert.equal(third.root, b.attachmentRoot, 'the last good root stays')
  })

  it('unpacks each fetched CAR into the folder that was published', async () => {
    for (const [car, published, name] of [['first.car', a, 'album-a'], ['second.car', b, 'album-b']] as const) {
      const out = join(dir, `unpacked-${name}`)
      const unpacked = await run(['attachment', 'unpack', '--car', join(dir, car), '--root', published.attachmentRoot, '--pieces', String(published.pieces), '--out', out, '--json'])
      assert.equal(unpacked.code, 0, unpacked.stderr)
      assert.equal((JSON.parse(unpacked.stdout) as { pieces: number }).pieces, published.pieces)
      assert.deepEqual(await describeTree(join(out, name)), await describeTree(join(dir, 'src', name)))
    }
  })

  it('exits 2 on wrong command lines and 1 on a corrupted CAR or a wrong piece count, writing nothing', async () => {
    assert.equal((await run(['peer', 'publish', 'src'])).code, 2, 'publish without --out')
    assert.equal((await run(['attachment', 'unpack', '--car', join(dir, 'a.car'), '--root', 'nope', '--out', join(dir, 'x')])).code, 2)
    assert.equal((await run(['attachment', 'frobnicate'])).code, 2)
    assert.equal((await run(['peer', 'serve', '--car', join(dir, 'a.car'), '--chain', '00', '--state-root', a.attachmentRoot, '--state-root-file', 'root.txt'])).code, 2)

    const wrongCount = await run(['attachment', 'unpack', '--car', join(dir, 'a.car'), '--root', a.attachmentRoot, '--pieces', String(a.pieces + 1), '--out', join(dir, 'x')])
    assert.equal(wrongCount.code, 1)
    assert.match(wrongCount.stderr, /not \d+/)

    const bytes = await readFile(join(dir, 'a.car'))
    bytes[2 * ATTACHMENT_PIECE_BYTES] ^= 0xff
    await writeFile(join(dir, 'corrupt.car'), bytes)
    const corrupt = await run(['attachment', 'unpack', '--car', join(dir, 'corrupt.car'), '--root', a.attachmentRoot, '--out', join(dir, 'corrupt-out')])
    assert.equal(corrupt.code, 1, corrupt.stderr)
    assert.equal(await stat(join(dir, 'corrupt-out')).catch(() => 'absent'), 'absent')
  })
})
