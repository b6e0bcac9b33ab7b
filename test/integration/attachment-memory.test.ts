// Proves publishing streams: a 64 MiB file of random bytes becomes an attachment CAR while the
// publishing process (a child, measured alone) grows its resident set by well under 64 MiB.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '../helpers/attachment-memory-child.js')
const FILE_BYTES = 64 * 1024 * 1024
/** Generous: the design target is a few pieces (~1 MiB) plus zlib and V8 slack. */
const MAX_RSS_GROWTH_BYTES = 48 * 1024 * 1024

describe('publishAttachment memory', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-attach-mem-'))
    const file = createWriteStream(join(dir, 'big.bin'))
    for (let written = 0; written < FILE_BYTES; written += 1024 * 1024) {
      if (!file.write(randomBytes(1024 * 1024))) await new Promise<void>((resolve) => { file.once('drain', () => { resolve() }) })
    }
    await new Promise<void>((resolve, reject) => { file.end(() => { resolve() }); file.once('error', reject) })
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('publishes 64 MiB with a resident set growing by less than 48 MiB', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', CHILD, dir, 'big.bin', join(dir, 'big.car')], { timeout: 120_000 }, (err, out, errOut) => {
        if (err !== null) reject(new Error(`${err.message}\n${errOut}`))
        else resolve(out)
      })
    })
    const result = JSON.parse(stdout.trim()) as { baselineRss: number, peakRss: number, pieces: number, bytes: number }
    // random bytes do not compress: the TGZ is the file plus headers and gzip framing
    assert.ok(result.bytes > FILE_BYTES, `TGZ of ${result.bytes} bytes`)
    assert.equal(result.pieces, Math.ceil(result.bytes / ATTACHMENT_PIECE_BYTES))
    assert.ok((await stat(join(dir, 'big.car'))).size > FILE_BYTES)
    const growth = result.peakRss - result.baselineRss
    assert.ok(growth < MAX_RSS_GROWTH_BYTES, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`)
  })
})
