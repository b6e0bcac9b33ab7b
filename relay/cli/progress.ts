/**
 * A one-line progress bar on stderr, drawn only when stderr is a TTY (pipes and `--json` runs stay
 * clean). The bar measures bytes against the sync's byte cap, the only total known in advance.
 */

const WIDTH = 24
/** Redraws at most this often, so a fast sync does not spend its time drawing. */
const REDRAW_MS = 100

/** Progress of one fetch. */
export class ProgressBar {
  private readonly enabled: boolean
  private readonly maxBytes: number
  private lastDrawMs = 0

  constructor (maxBytes: number, enabled = process.stderr.isTTY) {
    this.enabled = enabled
    this.maxBytes = Math.max(1, maxBytes)
  }

  /** Shows `blocks` and `bytes` received so far. */
  update (blocks: number, bytes: number, force = false): void {
    if (!this.enabled) return
    const now = Date.now()
    if (!force && now - this.lastDrawMs < REDRAW_MS) return
    this.lastDrawMs = now
    const filled = Math.min(WIDTH, Math.floor((bytes / this.maxBytes) * WIDTH))
    const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled)
    process.stderr.write(`\r[${bar}] ${blocks} blocks ${(bytes / 2 ** 20).toFixed(1)} MiB of max ${(this.maxBytes / 2 ** 20).toFixed(1)} MiB `)
  }

  /** Ends the line. */
  done (blocks: number, bytes: number): void {
    if (!this.enabled) return
    this.update(blocks, bytes, true)
    process.stderr.write('\n')
  }
}
