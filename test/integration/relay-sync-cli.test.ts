// Proves the peer toolkit CLI as real processes against an in-test relay: `peer serve` loads a CAR,
// reserves a slot on the relay and says `peer ready`; `fetch` pulls the attachment through the
// relay over that reservation connection into a CARv1 in traversal order with a verified receipt
// file; `log verify` accepts that receipt offline (exit 0) and refuses a tampered one (exit 1).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { CarBlockIterator } from '@ipld/car/iterator'
import { writeCarFile } from '../helpers/car.js'
import { EXPLORE_ALL_SELECTOR } from '../../relay/client/relay-sync-client.js'
import { writeTauKeyFile } from '../../relay/keys.js'
import { TestStore, expectedOrder, waitFor } from '../helpers/graphsync.js'
import { PAYER, buildAttachment, startRelayHarness } from '../helpers/relay-sync.js'
import type { RelayHarness } from '../helpers/relay-sync.js'
import type { ChildProcess } from 'node:child_process'
import type { CID } from 'multiformats/cid'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '../helpers/relay-sync-cli-child.js')

/** Runs the child to its end: exit code and output. */
async function runChild (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, stdout, stderr }
}

/** The blocks `cids` of `store` in a CAR file with `root`. */
async function writeCar (path: string, root: CID, store: TestStore, cids: CID[]): Promise<void> {
  await writeCarFile(path, [root], cids.map((cid) => ({ cid, bytes: store.blocks.get(cid.toString()) as Uint8Array })))
}

describe('tau-relay peer serve, fetch and log verify as processes', () => {
  let h: RelayHarness
  let dir: string
  let peer: ChildProcess | undefined
  let peerId: string
  let root: CID
  let store: TestStore
  let expectedCids: string[]

  before(async () => {
    h = await startRelayHarness({ circuitRelay: true })
    dir = await mkdtemp(join(tmpdir(), 'tau-relay-cli-'))
    store = new TestStore()
    root = (await buildAttachment({ get: async (cid) => store.get(cid), put: async (cid, bytes) => { store.put(cid, bytes) } }, 6, 64 * 1024)).root
    // the traversal order of the explore-all walk is the order the fetched CAR must hold
    const order = await expectedOrder(store, root, EXPLORE_ALL_SELECTOR)
    expectedCids = order.map(String)
    // the served CAR holds the same blocks in another order: the walk, not the file, decides
    await writeCar(join(dir, 'attachment.car'), root, store, [...order].reverse())
    await writeTauKeyFile(join(dir, 'payer.key'), PAYER.privateKey)
    const relayAddr = h.relay.getMultiaddrs()[0].toString()
    peer = spawn(process.execPath, [CHILD, 'peer', 'serve', '--car', join(dir, 'attachment.car'), '--relay', relayAddr,
      '--chain', '00', '--state-root', root.toString()], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    peer.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      peer?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const line = out.split('\n').find((l) => l.includes('"peer ready"'))
        if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>)
      })
      peer?.on('exit', (code) => { reject(new Error(`peer serve exited ${String(code)}: ${err}`)) })
    })
    peerId = String(ready.peerId)
    assert.deepEqual(ready.roots, [root.toString()])
    assert.ok((ready.addrs as string[]).some((a) => a.includes('/p2p-circuit')), 'listening through the relay')
    await waitFor(() => h.relay.getConnections().some((c) => c.remotePeer.toString() === peerId), 10_000, 'the reservation connection')
  })

  after(async () => {
    if (peer !== undefined && peer.exitCode === null) {
      const exited = new Promise((resolve) => peer?.on('exit', resolve))
      peer.kill('SIGTERM')
      await exited
    }
    await h.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('fetches the attachment into a CARv1 in traversal order, saves a receipt log verify accepts', async () => {
    const relayAddr = h.relay.getMultiaddrs()[0].toString()
    const fetched = await runChild(['fetch', '--relay', relayAddr, '--peer', peerId, '--root', root.toString(),
      '--out', join(dir, 'out.car'), '--receipt', join(dir, 'receipt.cbor'), '--key', join(dir, 'payer.key'), '--json'])
    assert.equal(fetched.code, 0, fetched.stderr)
    const summary = JSON.parse(fetched.stdout) as Record<string, unknown>
    assert.equal(summary.status, 'completed')
    assert.equal(summary.root, root.toString())
    assert.equal(summary.blocks, expectedCids.length)
    assert.equal(summary.receiptVerified, true)
    assert.equal(typeof summary.logRoot, 'string')

    const car = await CarBlockIterator.fromBytes(new Uint8Array(await readFile(join(dir, 'out.car'))))
    assert.deepEqual((await car.getRoots()).map(String), [root.toString()])
    const got: string[] = []
    for await (const block of car) {
      assert.deepEqual(block.bytes, await store.get(block.cid))
      got.push(block.cid.toString())
    }
    assert.deepEqual(got, expectedCids, 'traversal order')

    const verified = await runChild(['log', 'verify', '--receipt', join(dir, 'receipt.cbor'), '--json'])
    assert.equal(verified.code, 0, verified.stderr)
    assert.equal((JSON.parse(verified.stdout) as { valid: boolean }).valid, true)

    const tampered = new Uint8Array(await readFile(join(dir, 'receipt.cbor')))
    tampered[tampered.length - 5] ^= 1
    await writeFile(join(dir, 'tampered.cbor'), tampered)
    const refused = await runChild(['log', 'verify', '--receipt', join(dir, 'tampered.cbor'), '--json'])
    assert.equal(refused.code, 1)
    assert.equal((JSON.parse(refused.stdout) as { valid: boolean }).valid, false)
  })

  it('exits 1 with a typed rejection when the payer cannot pay', async () => {
    const relayAddr = h.relay.getMultiaddrs()[0].toString()
    // no --key: a fresh address with no balance and (in this harness) no free quota
    const fetched = await runChild(['fetch', '--relay', relayAddr, '--peer', peerId, '--chain', '00', '--out', join(dir, 'none.car'), '--json'])
    assert.equal(fetched.code, 1, fetched.stderr)
    assert.deepEqual(JSON.parse(fetched.stdout).status, 'rejected')
    assert.deepEqual(JSON.parse(fetched.stdout).reason, 'insufficient_funds')
  })
})
