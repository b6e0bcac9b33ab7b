/**
 * Test helper: fleet nodes in one process — each a `PostgresLedger` on a shared database, with its
 * own classic-level transfer log in a mkdtemp directory and its `FleetLogSync` — which can be
 * "crashed" (dropped without stopping anything) and restarted on the same LevelDB.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { FleetLogSync } from '../../accounting/ledger-postgres/fleet-log.js'
import { PostgresLedger } from '../../accounting/ledger-postgres/postgres-ledger.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { OPERATOR } from './ledger.js'
import { RELAY } from './transfer-log.js'
import type { PostgresLedgerInit } from '../../accounting/ledger-postgres/postgres-ledger.js'

/** The peer id bytes of node `n` (an Ed25519 identity multihash shape). */
export function nodeIdOf (n: number): Uint8Array {
  return new Uint8Array([0, 36, 8, 1, 18, 32, ...new Uint8Array(32).fill(n)])
}

/** One in-process fleet node. */
export interface FleetNode {
  nodeId: Uint8Array
  db: ClassicLevel<Uint8Array, Uint8Array>
  ledger: PostgresLedger
  log: TransferLog
  sync: FleetLogSync
  /** Drops the node as kill -9 would: nothing is stopped or flushed, the LevelDB is only closed. */
  crash: () => Promise<void>
  /** Starts a fresh ledger, log and reconcile on the same LevelDB (after `crash` or `stop`). */
  restart: () => Promise<void>
  /** Stops the reconcile, the log, the ledger and the LevelDB; removes the directory. */
  stop: () => Promise<void>
}

/** Starts node `n` on the database at `url`; the reconcile runs only when told (no timer surprises). */
export async function startFleetNode (url: string, n: number, init: Partial<PostgresLedgerInit> = {}): Promise<FleetNode> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-fleet-node-'))
  const nodeId = nodeIdOf(n)
  const node = { nodeId } as FleetNode
  const open = async (): Promise<void> => {
    node.db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' })
    await node.db.open()
    node.ledger = new PostgresLedger({ logDb: node.db }, { operatorAddress: OPERATOR.address, now: () => 1_700_000_000_000, poolSize: 4, ...init, nodeId, connectionString: url })
    await node.ledger.start()
    await node.ledger.recoverOpenHolds()
    node.log = new TransferLog({ db: node.db, ledger: node.ledger }, { relayPeerId: nodeId, tauPrivateKey: RELAY.privateKey, now: () => 1_700_000_001_000 })
    await node.log.start()
    node.sync = new FleetLogSync({ ledger: node.ledger, log: node.log, db: node.db }, { reconcileIntervalMs: 3_600_000 })
    await node.sync.start()
  }
  const close = async (): Promise<void> => {
    await node.sync.stop()
    await node.log.stop()
    await node.ledger.stop()
    await node.db.close()
  }
  let crashed: PostgresLedger | undefined
  node.crash = async () => {
    // the dropped ledger's pool is ended so the test process can exit; nothing else of it runs
    crashed = node.ledger
    await node.sync.stop({ finalRound: false })
    await node.log.stop()
    await node.db.close()
  }
  node.restart = async () => {
    await crashed?.stop().catch(() => {})
    crashed = undefined
    await open()
  }
  node.stop = async () => {
    await close()
    await rm(dir, { recursive: true, force: true })
  }
  await open()
  return node
}
