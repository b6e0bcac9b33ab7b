/**
 * Proves a relay process whose data dir fills up fails closed: with its data dir on a small tmpfs
 * that is then filled, syncs end with a typed rejection (`internal_error`, nothing held or charged)
 * or, when the charge was written but the log commit was not, with the stream aborted and the
 * storage error logged; the process stays up, and once space is freed and the relay restarted,
 * every receipt given before is provable, every charge made on the full disk is a logged record,
 * accounts check is clean and syncs are charged again. Fails loudly where tmpfs cannot be mounted.
 */
import '../../relay/runtime-shim.js'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument } from '../../protocol/policy-document.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore, buildIndexDag } from '../helpers/graphsync.js'
import { testKey } from '../helpers/ledger.js'
import { createTestNode } from '../helpers/libp2p.js'
import { adminRequest, childEnv, PAID_TEST_POLICY, startProcess, stopProcess, writeTestRelayConfig } from '../helpers/relay-process.js'
import { checkAcks, checkClosedDataDir } from './crash-checks.js'
import { SOAK } from './scale.js'
import type { Ack } from './crash-checks.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'
import type { FetchedPolicy } from '../../relay/client/policy-client.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { Libp2p } from 'libp2p'

const PAYER = testKey('disk full payer')
const TMPFS_SIZE = '16m'
const CHUNK = new Uint8Array(64 * 1024).fill(0x5a)
/** Syncs tried on the full disk. */
const FULL_SYNCS = 6

describe('relay on a full disk', () => {
  const store = new TestStore()
  const { root } = buildIndexDag(store, 8, 64 * 1024, 61)
  let base: string
  let mnt: string
  let dataDir: string
  let env: Record<string, string>
  let relay: RunningProcess<RelayStartedLine> | undefined
  let stdout = ''
  let policy: PolicyDocument
  let target: TargetPeer
  let requester: Libp2p
  let client: RelaySyncClient
  let fetched: FetchedPolicy
  let mounted = false

  async function startRelay (): Promise<RunningProcess<RelayStartedLine>> {
    relay = await startProcess<RelayStartedLine>(['start', '--config', join(mnt, 'relay.config.json')], { cwd: mnt, env, msg: 'relay started', timeoutMs: 60_000 })
    relay.child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    await target.node.dial(multiaddr(relay.line.multiaddrs[0]))
    return relay
  }

  async function sync (relayAddr: string): Promise<{ ack?: Ack, outcome: string }> {
    try {
      const run = client.sync({ relay: multiaddr(relayAddr), peer: target.peerId, root, maxBlocks: 100, maxBytes: 1 << 24, maxCharge: 1_000_000_000n, policyCid: fetched.cid })
      for await (const block of run) void block
      const result = await run.result
      if (result.status === 'rejected') return { outcome: `rejected:${String(result.reason)}` }
      return { ack: result.receipt === undefined ? undefined : { payer: PAYER.address, record: result.receipt.record }, outcome: result.status }
    } catch (err: unknown) {
      return { outcome: `${(err as Error).name}: ${(err as Error).message}` }
    }
  }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tau-relay-disk-full-'))
    mnt = join(base, 'mnt')
    await mkdir(mnt)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mnt], { stdio: 'pipe' })
      mounted = true
    } catch (err: unknown) {
      // no silent skip: this scenario needs a file system that can fill up
      assert.fail(`cannot mount a ${TMPFS_SIZE} tmpfs at ${mnt} (needs root or CAP_SYS_ADMIN): ${String((err as { stderr?: Buffer }).stderr ?? err)}`)
    }
    dataDir = join(mnt, 'data')
    env = childEnv({})
    // no free quota: every sync is a charge
    await writeTestRelayConfig(mnt, PAID_TEST_POLICY)
    target = await startTargetPeer({ blockStore: store })
    requester = await createTestNode({ transport: 'tcp' })
    client = new RelaySyncClient({ libp2p: requester }, { tauPrivateKey: PAYER.privateKey })
  })
  after(async () => {
    await Promise.allSettled([requester?.stop(), target?.stop()])
    if (relay !== undefined && relay.child.exitCode === null && relay.child.signalCode === null) await stopProcess(relay, 'SIGKILL')
    if (mounted) spawnSync('umount', ['-l', mnt])
    await rm(base, { recursive: true, force: true })
  })

  it('charges fail closed while the disk is full; invariants hold once space is freed', { timeout: 110_000 }, async (t) => {
    let running = await startRelay()
    policy = decodePolicyDocument(new Uint8Array(await (await fetch(`${running.line.http}/policy`)).arrayBuffer()))
    const tx = signSettlementTx(PAYER.privateKey, { v: 1, from: PAYER.address, to: policy.relay.tau, amountNanoTau: 1_000_000_000_000n, nonce: 1, tsMs: Date.now() })
    assert.equal((await adminRequest(dataDir, running.line.http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })).status, 201)
    fetched = await client.fetchPolicy(multiaddr(running.line.multiaddrs[0]))
    const acks: Ack[] = []
    for (let i = 0; i < 3; i++) {
      const { ack, outcome } = await sync(running.line.multiaddrs[0])
      assert.equal(outcome, 'completed')
      if (ack !== undefined) acks.push(ack)
    }
    const balance = async (): Promise<string> => ((await (await adminRequest(dataDir, running.line.http, 'GET', `/admin/accounts/${formatTauAddress(PAYER.address)}`)).json()) as { balanceNanoTau: string }).balanceNanoTau

    // fill the file system: LevelDB's next write (a hold, a charge, a commit) fails
    let fillers = 0
    for (;; fillers++) {
      try {
        await writeFile(join(mnt, `filler-${fillers}`), CHUNK)
      } catch (err: unknown) {
        assert.equal((err as { code?: string }).code, 'ENOSPC')
        break
      }
    }
    const balanceFull = await balance()
    const outcomes: string[] = []
    for (let i = 0; i < FULL_SYNCS; i++) {
      const { ack, outcome } = await sync(running.line.multiaddrs[0])
      outcomes.push(outcome)
      // a receipt on a full disk would have to come from a commit that was written: then it must be provable later
      if (ack !== undefined) acks.push(ack)
    }
    assert.ok(outcomes.some((o) => o !== 'completed'), `every sync completed on a full disk: ${outcomes.join(', ')}`)
    assert.equal(running.child.exitCode, null, 'the relay stays up')
    const storageErrors = (stdout.match(/LedgerStorageError/g) ?? []).length
    assert.ok(storageErrors > 0 || outcomes.every((o) => o === 'rejected:internal_error'), 'the relay logged the typed storage error')
    const balanceAfterFull = await balance()

    // free space, restart (LevelDB refuses writes after an I/O error until reopened)
    for (let i = 0; i < fillers; i++) await rm(join(mnt, `filler-${i}`))
    assert.equal((await stopProcess(running, 'SIGTERM')).code !== undefined, true)
    relay = undefined
    running = await startRelay()
    const lost = await checkAcks(dataDir, running.line.http, policy.relay.tau, acks)
    assert.deepEqual(lost, [])
    const { outcome: afterFreed } = await sync(running.line.multiaddrs[0])
    assert.equal(afterFreed, 'completed')
    assert.equal((await stopProcess(running, 'SIGTERM')).code, 0)
    relay = undefined
    const check = await checkClosedDataDir(dataDir, policy.relay.tau)
    assert.deepEqual(check.violations, [])
    assert.equal(check.openHolds, 0)
    assert.equal(check.pending, 0)
    // a settle whose batch still fit but whose log commit did not is charged without a receipt (the
    // stream is aborted); the restart's sweep commits its record, so charged ⇔ logged still holds
    const perSync = acks[0].record.charge
    const unacknowledged = check.records - acks.length - 1
    t.diagnostic(JSON.stringify({
      scenario: 'disk_full',
      soak: SOAK,
      tmpfs: TMPFS_SIZE,
      fillerFiles: fillers,
      outcomesOnFullDisk: outcomes,
      storageErrorsLogged: storageErrors,
      balanceBeforeFull: balanceFull,
      balanceAfterFull,
      receiptsProvable: acks.length,
      records: check.records,
      chargedWithoutReceipt: unacknowledged,
      violations: check.violations.length
    }))
    assert.equal(BigInt(balanceFull) - BigInt(balanceAfterFull), perSync * BigInt(unacknowledged), 'every charge on the full disk is a logged record')
  })
})
