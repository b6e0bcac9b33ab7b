/**
 * Proves HamtGraphRelaySync end to end with every party a real `tau-relay` process on loopback: a
 * relay (`start`), a NATed target (`peer serve --relay-only`: no listener of its own, reachable
 * only through its circuit-relay reservation connection) and a requester (`fetch`). The attachment
 * (a HAMT of raw pieces) arrives byte-identical in traversal order, the receipt verifies offline
 * (`log verify`), the ledger is charged exactly the policy's price beyond the free quota, a null
 * root resolves through the target's future state, and a relay SIGKILLed mid-sync restarts with
 * `accounts check` clean.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CarBlockIterator } from '@ipld/car/iterator'
import { equals, toHex } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { chargeBlocks } from '../../accounting/charge.js'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument } from '../../protocol/policy-document.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { EXPLORE_ALL_SELECTOR } from '../../relay/client/relay-sync-client.js'
import { writeTauKeyFile } from '../../relay/keys.js'
import { writeCarFile } from '../helpers/car.js'
import { TestStore, expectedOrder } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { buildAttachment } from '../helpers/relay-sync.js'
import { adminRequest, childEnv, runCommand, startProcess, stopProcess } from '../helpers/relay-process.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'

const PAYER = testKey('e2e payer')
const PIECES = 12
const PIECE_BYTES = 256 * 1024
const FREE_QUOTA_BYTES = 600 * 1024
const CREDIT_NANO_TAU = 10_000_000_000n

interface FetchSummary { status: string, root: string, blocks: number, bytes: number, charge: string, logRoot: string, receiptVerified: boolean }

describe('HamtGraphRelaySync end to end (relay, NATed target and requester as processes)', () => {
  let dir: string
  let dataDir: string
  let env: Record<string, string>
  let relay: RunningProcess<RelayStartedLine>
  let target: RunningProcess<{ peerId: string }> | undefined
  let policy: PolicyDocument
  let root: CID
  let order: Array<{ cid: CID, bytes: Uint8Array }>

  async function startRelay (): Promise<RunningProcess<RelayStartedLine>> {
    return startProcess<RelayStartedLine>(['start', '--config', join(dir, 'relay.config.json')], { cwd: dir, env, msg: 'relay started' })
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tau-relay-e2e-'))
    dataDir = join(dir, 'data')
    env = childEnv({})
    await writeFile(join(dir, 'relay.config.json'), JSON.stringify({
      dataDir: './data',
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      http: { host: '127.0.0.1', port: 0 },
      log: { format: 'json' },
      initialPolicy: { perBlockNanoTau: '1000', perMiBNanoTau: '1000000', freeQuotaBytes: FREE_QUOTA_BYTES }
    }))
    relay = await startRelay()
    policy = decodePolicyDocument(new Uint8Array(await (await fetch(`${relay.line.http}/policy`)).arrayBuffer()))

    const store = new TestStore()
    root = (await buildAttachment({ get: async (cid) => store.get(cid), put: async (cid, bytes) => { store.put(cid, bytes) } }, PIECES, PIECE_BYTES)).root
    order = (await expectedOrder(store, root, EXPLORE_ALL_SELECTOR)).map((cid) => ({ cid, bytes: store.blocks.get(cid.toString()) as Uint8Array }))
    // the served CAR holds the blocks in reverse: the selector walk, not the file, decides the order
    await writeCarFile(join(dir, 'attachment.car'), [root], [...order].reverse())
    await writeTauKeyFile(join(dir, 'payer.key'), PAYER.privateKey)

    const tx = signSettlementTx(PAYER.privateKey, { v: 1, from: PAYER.address, to: policy.relay.tau, amountNanoTau: CREDIT_NANO_TAU, nonce: 1, tsMs: Date.now() })
    assert.equal((await adminRequest(dataDir, relay.line.http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })).status, 201)

    target = await startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'attachment.car'), '--relay', relay.line.multiaddrs[0],
      '--relay-only', '--chain', '00', '--state-root', root.toString()], { cwd: dir, env, msg: 'peer ready' })
  })

  after(async () => {
    if (target !== undefined) await stopProcess(target, 'SIGTERM')
    if (relay.child.exitCode === null && relay.child.signalCode === null) await stopProcess(relay, 'SIGTERM')
    await rm(dir, { recursive: true, force: true })
  })

  async function fetchThroughRelay (selection: string[], out: string): Promise<{ code: number, summary: FetchSummary, stderr: string }> {
    const { code, stdout, stderr } = await runCommand(['fetch', '--relay', relay.line.multiaddrs[0], '--peer', target?.line.peerId ?? '',
      ...selection, '--key', join(dir, 'payer.key'), '--out', join(dir, out), '--receipt', join(dir, `${out}.receipt`), '--json'], { cwd: dir, env })
    // `--json` prints one JSON document (nothing when the command died)
    const text = stdout.trim()
    return { code, summary: (text === '' ? {} : JSON.parse(text)) as FetchSummary, stderr }
  }

  async function balance (): Promise<bigint> {
    const account = await (await adminRequest(dataDir, relay.line.http, 'GET', `/admin/accounts/${formatTauAddress(PAYER.address)}`)).json() as { balanceNanoTau: string }
    return BigInt(account.balanceNanoTau)
  }

  it('fetches the attachment from the NATed target byte-identical, charged exactly, with a receipt that verifies offline', async () => {
    const { code, summary, stderr } = await fetchThroughRelay(['--root', root.toString()], 'first.car')
    assert.equal(code, 0, stderr)
    assert.equal(summary.status, 'completed')
    assert.equal(summary.root, root.toString())
    assert.equal(summary.receiptVerified, true)

    const received: Array<{ cid: CID, bytes: Uint8Array }> = []
    for await (const block of await CarBlockIterator.fromBytes(await readFile(join(dir, 'first.car')))) received.push(block)
    assert.deepEqual(received.map((b) => b.cid.toString()), order.map((b) => b.cid.toString()), 'traversal order')
    received.forEach((block, i) => { assert.ok(equals(block.bytes, order[i].bytes), `block ${i} bytes`) })

    // the policy's price beyond the free quota, block by block in traversal order (DESIGN.md §5.2)
    const pricing = { perBlockNanoTau: policy.pricing.perBlock, perMiBNanoTau: policy.pricing.perMiB }
    const expected = chargeBlocks(order.map((b) => b.bytes.byteLength), pricing, FREE_QUOTA_BYTES)
    assert.ok(expected.chargeNanoTau > 0n && expected.freeBytes > 0, 'both free and billable bytes')
    assert.equal(summary.charge, expected.chargeNanoTau.toString())
    assert.equal(await balance(), CREDIT_NANO_TAU - expected.chargeNanoTau)

    const verified = await runCommand(['log', 'verify', '--receipt', join(dir, 'first.car.receipt')], { cwd: dir, env })
    assert.equal(verified.code, 0, verified.stderr + verified.stdout)
    const head = await fetch(`${relay.line.http}/log/head`)
    assert.equal(head.status, 200)
  })

  it('resolves a null root through the target\'s future state', async () => {
    const before = await balance()
    const { code, summary, stderr } = await fetchThroughRelay(['--chain', '00'], 'second.car')
    assert.equal(code, 0, stderr)
    assert.equal(summary.status, 'completed')
    assert.equal(summary.root, root.toString())
    assert.equal(summary.blocks, order.length)
    assert.equal(await balance(), before - BigInt(summary.charge))
  })

  // the open hold of the killed sync is released at restart, not charged (DESIGN.md §5.3)
  it('restarts after a SIGKILL in the middle of a sync with its invariants intact', async () => {
    // a second NATed target with a larger attachment, so the kill lands while blocks are flowing
    const big = new TestStore()
    const bigRoot = (await buildAttachment({ get: async (cid) => big.get(cid), put: async (cid, bytes) => { big.put(cid, bytes) } }, 120, PIECE_BYTES)).root
    await writeCarFile(join(dir, 'big.car'), [bigRoot], [...big.blocks].map(([key, bytes]) => ({ cid: CID.parse(key), bytes })))
    const bigTarget = await startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'big.car'), '--relay', relay.line.multiaddrs[0], '--relay-only'],
      { cwd: dir, env, msg: 'peer ready' })
    try {
      const out = join(dir, 'third.car')
      const fetching = runCommand(['fetch', '--relay', relay.line.multiaddrs[0], '--peer', bigTarget.line.peerId, '--root', bigRoot.toString(),
        '--key', join(dir, 'payer.key'), '--out', out, '--json'], { cwd: dir, env })
      // kill once the first MiB has reached the requester's CAR file
      const deadline = Date.now() + 20_000
      while (((await stat(out).catch(() => undefined))?.size ?? 0) < 1024 * 1024) {
        assert.ok(Date.now() < deadline, 'the fetch never started writing blocks')
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      assert.equal((await stopProcess(relay, 'SIGKILL')).code, null)
      const interrupted = await fetching
      assert.notEqual(interrupted.code, 0, 'the fetch fails when its relay dies mid-sync')
    } finally {
      await stopProcess(bigTarget, 'SIGTERM')
    }

    relay = await startRelay()
    assert.equal((await stopProcess(relay, 'SIGTERM')).code, 0)
    const check = await runCommand(['accounts', 'check', '--config', join(dir, 'relay.config.json'), '--json'], { cwd: dir, env })
    assert.equal(check.code, 0, check.stderr + check.stdout)
    assert.equal((JSON.parse(check.stdout) as { ok: boolean }).ok, true)
  })
})
