/**
 * A future-state root read from a file (`peer serve --state-root-file`, issue #8.4): the file
 * holds one CID as text; a chain client rewrites it as its next ContractReceiptStateRoot changes,
 * and the target answers the new root from then on without restarting.
 *
 * Changes are noticed by `fs.watch` on the file's directory (so a write-to-temp-then-rename, the
 * safe way to replace a file, is seen too) and, because fs.watch is unreliable on network and
 * some container file systems, by a poll. Content that is not a CID (a half-written file, a
 * typo) is reported once and ignored: the last good root stays.
 */
import { watch } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { CID } from 'multiformats/cid'
import type { FSWatcher } from 'node:fs'

/** How often the file is re-read even without a watch event: once a second, a chain block's scale. */
export const DEFAULT_STATE_ROOT_POLL_MS = 1000
/** Largest file read: a CID's text is under 100 bytes; anything much longer is not a CID. */
export const MAX_STATE_ROOT_FILE_BYTES = 4096

/** A state-root file that does not hold a CID when the peer starts. */
export class InvalidStateRootFileError extends Error {
  static name = 'InvalidStateRootFileError'
  readonly path: string
  readonly reason: string

  constructor (path: string, reason: string, message = `${path}: ${reason}`) {
    super(message)
    this.name = 'InvalidStateRootFileError'
    this.path = path
    this.reason = reason
  }
}

/** Settings of a watch. */
export interface StateRootFileInit {
  /** @default DEFAULT_STATE_ROOT_POLL_MS */
  pollMs?: number
  /** Told (once per distinct bad content) why the file was ignored. */
  onInvalid?: (reason: string) => void
}

/** A running watch. */
export interface StateRootWatcher {
  /** The last good root. */
  readonly root: CID
  /** Re-reads the file now (what the watch and the poll call). */
  check: () => Promise<void>
  /** Stops watching. */
  close: () => void
}

/**
 * Reads the root in `path` (InvalidStateRootFileError when it is not a CID) and calls `onChange`
 * with each new root the file later holds. Timers and watches never keep the process alive.
 */
export async function watchStateRootFile (path: string, onChange: (root: CID) => void, init: StateRootFileInit = {}): Promise<StateRootWatcher> {
  const first = await readRoot(path)
  if (typeof first === 'string') throw new InvalidStateRootFileError(path, first)
  let root = first
  let lastInvalid: string | undefined
  let running: Promise<void> | undefined
  let again = false

  const readOnce = async (): Promise<void> => {
    const read = await readRoot(path)
    if (typeof read === 'string') {
      if (read !== lastInvalid) init.onInvalid?.(read)
      lastInvalid = read
      return
    }
    lastInvalid = undefined
    if (read.equals(root)) return
    root = read
    onChange(read)
  }
  // one read at a time; events during a read ask for one more read after it
  const check = async (): Promise<void> => {
    if (running !== undefined) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        await readOnce()
      } while (again)
    })().finally(() => { running = undefined })
    return running
  }

  const name = basename(path)
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename === null || filename === name) void check()
    })
    watcher.on('error', () => { watcher?.close() })
  } catch {
    // no watch on this file system: the poll alone notices changes
  }
  const timer = setInterval(() => { void check() }, init.pollMs ?? DEFAULT_STATE_ROOT_POLL_MS)
  timer.unref()
  return {
    get root () { return root },
    check,
    close: () => {
      clearInterval(timer)
      watcher?.close()
    }
  }
}

/** The CID in the file, or why there is none. */
async function readRoot (path: string): Promise<CID | string> {
  let text: string
  try {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(MAX_STATE_ROOT_FILE_BYTES + 1)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      if (bytesRead > MAX_STATE_ROOT_FILE_BYTES) return `longer than ${MAX_STATE_ROOT_FILE_BYTES} bytes`
      text = buffer.subarray(0, bytesRead).toString('utf8').trim()
    } finally {
      await handle.close()
    }
  } catch (err: unknown) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`
  }
  if (text === '') return 'empty'
  try {
    return CID.parse(text)
  } catch {
    return `not a CID: ${JSON.stringify(text.slice(0, 80))}`
  }
}
