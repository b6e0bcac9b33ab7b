/**
 * Test helper for relay syncs: a relay-ish libp2p node (graphsync + relay-sync + a policy
 * handler) over a real ledger, transfer log and policy store on one mkdtemp LevelDB; a paying
 * requester with a RelaySyncClient; TAU attachments (a HAMT keyed 1..m of raw pieces); and a
 * recording SyncTracer. No component of ours is mocked.
 */
import '../../relay/runtime-shim.js'
import { lpStream } from '@libp2p/utils'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { CID } from 'multiformats/cid'
import { PolicyStore } from '../../accounting/policy-store.js'
import { RAW_CODE } from '../../protocol/block.js'
import { POLICY_PROTOCOL } from '../../protocol/constants.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { sha256 } from '../../protocol/hashes.js'
import { createPolicyDocument, encodePolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { transferLogKey } from '../../protocol/transfer-record.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { graphsync } from '../../relay/graphsync/index.js'
import { relaySync } from '../../relay/relay-sync/index.js'
import { pseudoRandomBytes } from './graphsync.js'
import { settlement, testKey } from './ledger.js'
import { createTestNode } from './libp2p.js'
import { RELAY, openAccounts } from './transfer-log.js'
import type { TestAccounts } from './transfer-log.js'
import type { TestKey } from './ledger.js'
import type { FetchedPolicy } from '../../relay/client/policy-client.js'
import type { GraphsyncService } from '../../relay/graphsync/index.js'
import type { SyncTracer } from '../../relay/metrics.js'
import type { RelaySyncInit, RelaySyncService } from '../../relay/relay-sync/index.js'
import type { PolicyDefaults } from '../../protocol/policy-schema.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { RejectionReason, SyncOutcome } from '../../protocol/status.js'
import type { Libp2p } from 'libp2p'

/** A SyncTracer that records every call. */
export class RecordingTracer implements SyncTracer {
  readonly ended: SyncOutcome[] = []
  readonly rejected: RejectionReason[] = []
  relayedBlocks = 0
  relayedBytes = 0
  firstBlocks = 0
  syncEnded (outcome: SyncOutcome): void { this.ended.push(outcome) }
  syncRejected (reason: RejectionReason): void { this.rejected.push(reason) }
  blockRelayed (bytes: number): void { this.relayedBlocks++; this.relayedBytes += bytes }
  targetFirstBlock (): void { this.firstBlocks++ }
}

/** The payer every harness funds. */
export const PAYER: TestKey = testKey('relay-sync payer')

/** Options of a harness. */
export interface HarnessOptions {
  freeQuotaBytes?: number
  /** Payer balance credited at start, nanoTAU. @default 10 TAU */
  balanceNanoTau?: bigint
  pricing?: Partial<PolicyDefaults['pricing']>
  limits?: Partial<PolicyDefaults['limits']>
  relaySyncInit?: RelaySyncInit
  /** Run a circuit relay v2 server too (for reservations of NATed targets). */
  circuitRelay?: boolean
  /** The TAU address each target peer earns seeding credit to (relay-sync's `seederAddress`). */
  seederAddress?: (peer: Uint8Array, nowMs: number) => Promise<Uint8Array | undefined>
  /** Policy `seedingCredit.perMiB`. @default the policy default */
  seedingCreditPerMiB?: bigint
}

/** A relay with its accounts, and a requester. */
export interface RelayHarness {
  accounts: TestAccounts
  policyStore: PolicyStore
  policy: FetchedPolicy
  tracer: RecordingTracer
  relay: Libp2p<{ graphsync: GraphsyncService, relaySync: RelaySyncService }>
  requester: Libp2p
  client: RelaySyncClient
  stop: () => Promise<void>
}

/** Starts a relay harness; call `stop` in `after`. */
export async function startRelayHarness (options: HarnessOptions = {}): Promise<RelayHarness> {
  const accounts = await openAccounts({ ledger: { freeQuotaBytes: options.freeQuotaBytes ?? 0, now: Date.now }, log: { now: Date.now } })
  const policyStore = new PolicyStore({ db: accounts.db })
  await policyStore.start()
  const issuedAtMs = Date.now() - 60_000
  const doc = signPolicyDocument(createPolicyDocument({
    relay: { tau: RELAY.address },
    issuedAtMs,
    pricing: options.pricing,
    limits: options.limits,
    ...(options.seedingCreditPerMiB === undefined ? {} : { seedingCredit: { perMiB: options.seedingCreditPerMiB } })
  }), RELAY.privateKey)
  const stored = await policyStore.publish(encodePolicyDocument(doc))
  if ((options.balanceNanoTau ?? 10_000_000_000n) > 0n) await accounts.ledger.creditSettlement(settlement(PAYER, options.balanceNanoTau ?? 10_000_000_000n))
  const tracer = new RecordingTracer()
  const services: Record<string, unknown> = {
    graphsync: graphsync(),
    relaySync: relaySync({ ledger: accounts.ledger, transferLog: accounts.log, policyStore, db: accounts.db, metrics: tracer, seederAddress: options.seederAddress }, options.relaySyncInit)
  }
  if (options.circuitRelay === true) services.circuitRelay = circuitRelayServer()
  const relay = await createTestNode({ transport: 'tcp', services: services as never }) as unknown as RelayHarness['relay']
  await relay.handle(POLICY_PROTOCOL, async (stream) => {
    await lpStream(stream).write(stored.bytes)
    await stream.close()
  })
  const requester = await createTestNode({ transport: 'tcp' })
  const client = new RelaySyncClient({ libp2p: requester }, { tauPrivateKey: PAYER.privateKey })
  const policy = await client.fetchPolicy(relay.getMultiaddrs()[0])
  return {
    accounts,
    policyStore,
    policy,
    tracer,
    relay,
    requester,
    client,
    stop: async () => {
      await requester.stop()
      await relay.stop()
      await accounts.cleanup()
    }
  }
}

/** Stores a raw piece and returns its CID. */
export async function putPiece (store: BlockStore, bytes: Uint8Array): Promise<CID> {
  const cid = CID.createV1(RAW_CODE, sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

/** A TAU attachment: `count` raw pieces of `pieceBytes` in a HAMT keyed 1..count (8-byte BE keys). */
export async function buildAttachment (store: BlockStore = new MemoryBlockStore(), count = 20, pieceBytes = 256 * 1024): Promise<{ root: CID, pieces: CID[], store: BlockStore }> {
  const hamt = await Hamt.create(store)
  const pieces: CID[] = []
  for (let i = 1; i <= count; i++) {
    const cid = await putPiece(store, pseudoRandomBytes(pieceBytes, 7000 + i))
    pieces.push(cid)
    await hamt.set(transferLogKey(i), cid)
  }
  return { root: await hamt.flush(), pieces, store }
}

/** Drains a run: its blocks and its result (or the error it failed with). */
export async function drain<T> (run: AsyncIterable<{ cid: CID, bytes: Uint8Array }> & { result: Promise<T> }): Promise<{ blocks: Array<{ cid: CID, bytes: Uint8Array }>, result: T }> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  for await (const block of run) blocks.push(block)
  return { blocks, result: await run.result }
}
