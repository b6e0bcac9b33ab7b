/**
 * Test helper: an operator fleet as operators run it — N `tau-relay start` processes
 * (test/helpers/relay-process.ts) sharing one TAU key and one PostgreSQL ledger (a throwaway
 * cluster), each with its own data directory, libp2p key and LevelDB transfer log; a target peer
 * serving a TAU attachment on loopback; and one paying requester with a RelaySyncClient that pins
 * every node's policy. Nodes can be killed (SIGKILL), stopped and restarted; `check(i)` runs
 * `tau-relay accounts check` for a stopped node (the shared ledger and that node's log).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { EXPLORE_ALL_SELECTOR, RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { writeTauKeyFile } from '../../relay/keys.js'
import { startTargetPeer } from '../../relay/peer/target-peer.js'
import { TestStore } from './graphsync.js'
import { testKey } from './ledger.js'
import { createTestNode } from './libp2p.js'
import { startPostgres } from './postgres.js'
import { adminRequest, childEnv, runCommand, startProcess, stopProcess } from './relay-process.js'
import { buildAttachment } from './relay-sync.js'
import type { FetchedPolicy } from '../../relay/client/policy-client.js'
import type { CheckedSyncResult } from '../../relay/client/result-check.js'
import type { TargetPeer } from '../../relay/peer/target-peer.js'
import type { PostgresCluster } from './postgres.js'
import type { RelayStartedLine, RunningProcess } from './relay-process.js'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

/** The operator key every node of the fleet shares (one TAU address). */
export const FLEET_OPERATOR = testKey('fleet operator')
/** The requester paying for every sync. */
export const FLEET_PAYER = testKey('fleet payer')

/** Fleet settings. */
export interface FleetOptions {
  nodes: number
  freeQuotaBytes: number
  pieces: number
  pieceBytes: number
  /** Target upload limit, bytes/s (so a sync lasts long enough to be interrupted). @default unlimited */
  targetBytesPerSecond?: number
}

/** One relay process of the fleet. */
export interface FleetProcess {
  dir: string
  config: string
  process: RunningProcess<RelayStartedLine> | undefined
  policy: FetchedPolicy | undefined
}

/** What one sync ended as: a result, a typed rejection (its wire reason), or another failure. */
export type SyncEnd = { kind: 'result', result: CheckedSyncResult } | { kind: 'rejected', reason: string } | { kind: 'failed', error: Error }

/** The report of `accounts check --json`. */
export interface CheckJson { ok: boolean, violations: string[], totals: Record<string, string | number> }

/** A running fleet. */
export interface Fleet {
  cluster: PostgresCluster
  url: string
  nodes: FleetProcess[]
  root: CID
  target: TargetPeer
  requester: Libp2p
  client: RelaySyncClient
  start: (i: number) => Promise<void>
  stop: (i: number) => Promise<number | null>
  kill: (i: number) => Promise<void>
  /** One sync of the attachment (or its first `maxBlocks` blocks) through node `i`. */
  sync: (i: number, maxChargeNanoTau: bigint, maxBlocks?: number) => Promise<SyncEnd>
  credit: (amountNanoTau: bigint, nonce: number) => Promise<void>
  account: () => Promise<{ balanceNanoTau: bigint, freeQuotaUsedBytes: number, heldNanoTau: bigint, chargedNanoTau: bigint }>
  /** `accounts check` of stopped node `i`. */
  check: (i: number) => Promise<CheckJson>
  close: () => Promise<void>
}

/** Drains a run (the client verifies every block) and counts what arrived. */
async function countBlocks (run: AsyncIterable<unknown>): Promise<number> {
  let blocks = 0
  for await (const block of run) if (block !== undefined) blocks++
  return blocks
}

/** Starts the database, the nodes (all at once: they race to migrate), the target and the requester. */
export async function startFleet (options: FleetOptions): Promise<Fleet> {
  const cluster = await startPostgres()
  const url = await cluster.createDatabase('fleet')
  const base = await mkdtemp(join(tmpdir(), 'tau-fleet-'))
  const env = childEnv({})
  const nodes: FleetProcess[] = []
  for (let i = 0; i < options.nodes; i++) {
    const dir = join(base, `node${i}`)
    await mkdir(dir)
    await writeTauKeyFile(join(dir, 'data', 'keys', 'tau.key'), FLEET_OPERATOR.privateKey)
    const config = join(dir, 'relay.config.json')
    await writeFile(config, JSON.stringify({
      dataDir: './data',
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      http: { host: '127.0.0.1', port: 0 },
      log: { format: 'json' },
      ledger: { backend: 'postgres', postgresUrl: url },
      initialPolicy: { perBlockNanoTau: '1000', perMiBNanoTau: '1000000', freeQuotaBytes: options.freeQuotaBytes }
    }))
    nodes.push({ dir, config, process: undefined, policy: undefined })
  }
  const store = new TestStore()
  const { root } = await buildAttachment({ get: async (cid) => store.get(cid), put: async (cid, bytes) => { store.put(cid, bytes) } }, options.pieces, options.pieceBytes)
  const target = await startTargetPeer({ blockStore: { get: async (cid: CID) => store.get(cid) } as never, maxBytesPerSecond: options.targetBytesPerSecond })
  const requester = await createTestNode({ transport: 'tcp' })
  const client = new RelaySyncClient({ libp2p: requester }, { tauPrivateKey: FLEET_PAYER.privateKey })

  const addrOf = (i: number): string => {
    const line = nodes[i].process?.line
    if (line === undefined) throw new Error(`node ${i} is not running`)
    return line.multiaddrs[0]
  }
  const fleet: Fleet = {
    cluster,
    url,
    nodes,
    root,
    target,
    requester,
    client,
    start: async (i) => {
      const node = nodes[i]
      node.process = await startProcess<RelayStartedLine>(['start', '--config', node.config], { cwd: node.dir, env, msg: 'relay started', timeoutMs: 30_000 })
      node.policy = await client.fetchPolicy(multiaddr(addrOf(i)))
    },
    stop: async (i) => {
      const running = nodes[i].process
      nodes[i].process = undefined
      return running === undefined ? null : (await stopProcess(running, 'SIGTERM')).code
    },
    kill: async (i) => {
      const running = nodes[i].process
      nodes[i].process = undefined
      if (running !== undefined) await stopProcess(running, 'SIGKILL')
    },
    sync: async (i, maxChargeNanoTau, maxBlocks = 10_000) => {
      const policy = nodes[i].policy
      if (policy === undefined) throw new Error(`node ${i} has no policy yet`)
      try {
        const run = client.sync({
          relay: multiaddr(addrOf(i)),
          peer: target.peerId,
          addrs: target.node.getMultiaddrs(),
          root,
          selector: EXPLORE_ALL_SELECTOR,
          maxBlocks,
          maxBytes: 1 << 30,
          maxCharge: maxChargeNanoTau,
          policyCid: policy.cid
        })
        const blocks = await countBlocks(run)
        const result = await run.result
        if (result.blocks !== blocks) throw new Error(`result counts ${result.blocks} blocks, ${blocks} arrived`)
        return { kind: 'result', result }
      } catch (err: unknown) {
        if (err instanceof Error && err.name === 'SyncRejectedError') return { kind: 'rejected', reason: (err as Error & { reason: string }).reason }
        return { kind: 'failed', error: err instanceof Error ? err : new Error(String(err)) }
      }
    },
    credit: async (amountNanoTau, nonce) => {
      const i = nodes.findIndex((n) => n.process !== undefined)
      const tx = signSettlementTx(FLEET_PAYER.privateKey, { v: 1, from: FLEET_PAYER.address, to: FLEET_OPERATOR.address, amountNanoTau, nonce, tsMs: Date.now() })
      const res = await adminRequest(join(nodes[i].dir, 'data'), nodes[i].process?.line.http ?? '', 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })
      if (res.status !== 201) throw new Error(`credit failed: ${res.status} ${await res.text()}`)
    },
    account: async () => {
      const i = nodes.findIndex((n) => n.process !== undefined)
      const res = await adminRequest(join(nodes[i].dir, 'data'), nodes[i].process?.line.http ?? '', 'GET', `/admin/accounts/${formatTauAddress(FLEET_PAYER.address)}`)
      const a = await res.json() as Record<string, string | number>
      return { balanceNanoTau: BigInt(a.balanceNanoTau), freeQuotaUsedBytes: Number(a.freeQuotaUsedBytes), heldNanoTau: BigInt(a.heldNanoTau), chargedNanoTau: BigInt(a.chargedNanoTau) }
    },
    check: async (i) => {
      const { code, stdout, stderr } = await runCommand(['accounts', 'check', '--config', nodes[i].config, '--json'], { cwd: nodes[i].dir, env, timeoutMs: 60_000 })
      if (stdout.trim() === '') throw new Error(`accounts check of node ${i} printed nothing (exit ${code}): ${stderr}`)
      return JSON.parse(stdout) as CheckJson
    },
    close: async () => {
      for (let i = 0; i < nodes.length; i++) await fleet.stop(i).catch(() => null)
      await requester.stop()
      await target.stop()
      await cluster.stop()
      await rm(base, { recursive: true, force: true })
    }
  }
  await Promise.all(nodes.map(async (_, i) => fleet.start(i)))
  return fleet
}
