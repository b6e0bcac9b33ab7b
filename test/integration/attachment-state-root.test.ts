// Proves the live future-state root (issue #8.4) in process: `watchStateRootFile` reads the first
// root, reports each new root written to the file (in place or by rename), reports bad content
// once and keeps the last good root, and refuses a bad file at start by name; and a running
// target peer answers future-state with the root `setStateRoot` gave it, at once.
import assert from 'node:assert/strict'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { requestFutureState } from '../../relay/future-state/client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { watchStateRootFile } from '../../relay/peer/state-root-file.js'
import { pieceCid } from '../../relay/attachments/pieces.js'
import { createTestNode } from '../helpers/libp2p.js'
import type { CID } from 'multiformats/cid'

const ROOT_A = pieceCid(new TextEncoder().encode('root A'))
const ROOT_B = pieceCid(new TextEncoder().encode('root B'))
const ROOT_C = pieceCid(new TextEncoder().encode('root C'))

/** Polls `check` every 20 ms for at most 5 s. */
async function eventually (check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.fail(`${what} did not happen within 5 s`)
}

describe('watchStateRootFile', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tau-state-root-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('follows in-place writes and renames, ignores bad content once, keeps the last good root', async () => {
    const file = join(dir, 'root.txt')
    await writeFile(file, ` ${ROOT_A.toString()}\n`)
    const seen: CID[] = []
    const invalid: string[] = []
    const watcher = await watchStateRootFile(file, (root) => { seen.push(root) }, { pollMs: 200, onInvalid: (reason) => { invalid.push(reason) } })
    try {
      assert.equal(watcher.root.toString(), ROOT_A.toString())
      await writeFile(file, ROOT_B.toString())
      await eventually(() => seen.length === 1, 'the in-place write')
      assert.equal(seen[0].toString(), ROOT_B.toString())

      await writeFile(file, 'garbage')
      await eventually(() => invalid.length === 1, 'the bad content report')
      assert.match(invalid[0], /not a CID/)
      await watcher.check()
      await watcher.check()
      assert.equal(invalid.length, 1, 'the same bad content is reported once')
      assert.equal(watcher.root.toString(), ROOT_B.toString(), 'the last good root stays')

      await writeFile(join(dir, 'root.tmp'), ROOT_C.toString())
      await rename(join(dir, 'root.tmp'), file)
      await eventually(() => seen.length === 2, 'the rename')
      assert.equal(seen[1].toString(), ROOT_C.toString())
      assert.equal(watcher.root.toString(), ROOT_C.toString())
    } finally {
      watcher.close()
    }
  })

  it('refuses a missing, empty or non-CID file at start', async () => {
    await writeFile(join(dir, 'empty.txt'), '')
    await writeFile(join(dir, 'bad.txt'), 'bafy-not-really')
    for (const name of ['missing.txt', 'empty.txt', 'bad.txt']) {
      await assert.rejects(watchStateRootFile(join(dir, name), () => {}), { name: 'InvalidStateRootFileError' }, name)
    }
  })
})

describe('TargetPeer.setStateRoot', () => {
  it('changes the future-state answer at once', async (t) => {
    const chain = Uint8Array.from([0x00])
    const peer = await startTargetPeer({ blockStore: new MemoryBlockStore(), chain, stateRoot: ROOT_A })
    t.after(async () => { await peer.stop() })
    const requester = await createTestNode({ transport: 'tcp' })
    t.after(async () => { await requester.stop() })
    await requester.dial(peer.node.getMultiaddrs()[0])
    const ask = async (): Promise<string> => (await requestFutureState(requester, peer.peerId, chain, { signal: AbortSignal.timeout(5000) })).root.toString()
    assert.equal(await ask(), ROOT_A.toString())
    peer.setStateRoot(chain, ROOT_B)
    assert.equal(await ask(), ROOT_B.toString())
    await assert.rejects(requestFutureState(requester, peer.peerId, Uint8Array.from([0x01]), { signal: AbortSignal.timeout(5000) }), { name: 'FutureStateNotActiveError' })
  })
})
