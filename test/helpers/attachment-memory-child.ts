/**
 * Child process of attachment-memory.test.ts: publishes `<cwd> <path> <out>` and prints one JSON
 * line with its resident set size before (after a warm-up publish) and at its peak during the
 * publish, so the parent can bound the growth without its own memory in the measurement.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { publishAttachment } from '../../relay/attachments/publish.js'

const [cwd, path, out] = process.argv.slice(2)
// warm-up: load every module and JIT the hot paths, so the baseline is the steady state
await writeFile(join(cwd, 'warm-up.txt'), 'warm up')
await publishAttachment(['warm-up.txt'], { cwd, out: `${out}.warm-up` })
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const baselineRss = process.memoryUsage().rss
let peakRss = baselineRss
const sample = (): void => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }
const timer = setInterval(sample, 5)
const published = await publishAttachment([path], { cwd, out, onPiece: sample })
clearInterval(timer)
sample()
process.stdout.write(JSON.stringify({ baselineRss, peakRss, pieces: published.pieces, bytes: published.bytes }) + '\n')
