/**
 * Test helper: a ledger and a transfer log on one real classic-level database in a mkdtemp
 * directory, the relay's signing identity, and transfer records made from a number.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { CID } from 'multiformats/cid'
import { Ledger } from '../../accounting/ledger.js'
import { TransferLog } from '../../accounting/transfer-log.js'
import { selectorCid } from '../../protocol/transfer-record.js'
import { OPERATOR, requestId, testKey } from './ledger.js'
import type { LedgerInit } from '../../accounting/ledger.js'
import type { TransferLogInit } from '../../accounting/transfer-log.js'
import type { UnsequencedRecord } from '../../accounting/transfer-log-keys.js'
import type { TestKey } from './ledger.js'

/** The relay node's TAU key (signs heads); its address is what verifiers expect. */
export const RELAY: TestKey = testKey('relay')
/** The relay node's peer id bytes (an Ed25519 identity multihash shape). */
export const RELAY_PEER_ID = new Uint8Array([0, 36, 8, 1, 18, 32, ...new Uint8Array(32).fill(7)])
const ROOT = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
const SELECTOR = selectorCid({ '.': {} })

/** The record of request `n`, paid by `payer`, charging `charge` with `freeBytes` free. */
export function recordOf (n: number, payer: Uint8Array, charge: bigint, freeBytes = 0): UnsequencedRecord {
  return {
    requestId: requestId(n),
    payer,
    peer: RELAY_PEER_ID,
    root: ROOT,
    selector: SELECTOR,
    blocks: 3,
    bytes: freeBytes + 1000,
    freeBytes,
    charge,
    status: 'completed',
    startMs: 1_700_000_000_000 + n,
    endMs: 1_700_000_000_100 + n
  }
}

/** The default transfer log settings of tests. */
export function logInit (extra: Partial<TransferLogInit> = {}): TransferLogInit {
  return { relayPeerId: RELAY_PEER_ID, tauPrivateKey: RELAY.privateKey, now: () => 1_700_000_001_000, ...extra }
}

/** A ledger and a transfer log on one database. */
export interface TestAccounts {
  dir: string
  path: string
  db: ClassicLevel<Uint8Array, Uint8Array>
  ledger: Ledger
  log: TransferLog
  /** Stops both, closes the database and opens all three again (ledger recovers holds, log finishes pending). */
  reopen: () => Promise<void>
  /** Stops everything; removes the directory unless `keep`. */
  cleanup: () => Promise<void>
}

/** Opens a fresh ledger + transfer log; `path` reuses a database directory instead. */
export async function openAccounts (init: { ledger?: LedgerInit, log?: Partial<TransferLogInit>, path?: string } = {}): Promise<TestAccounts> {
  const dir = init.path ?? await mkdtemp(join(tmpdir(), 'tau-txlog-'))
  const path = init.path ?? join(dir, 'db')
  const open = async (): Promise<Pick<TestAccounts, 'db' | 'ledger' | 'log'>> => {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    const ledger = new Ledger({ db }, { operatorAddress: OPERATOR.address, freeQuotaBytes: 0, now: () => 1_700_000_000_000, ...init.ledger })
    await ledger.start()
    await ledger.recoverOpenHolds()
    const log = new TransferLog({ db, ledger }, logInit(init.log))
    await log.start()
    return { db, ledger, log }
  }
  const t: TestAccounts = {
    dir,
    path,
    ...await open(),
    reopen: async () => {
      await t.log.stop()
      await t.ledger.stop()
      await t.db.close()
      Object.assign(t, await open())
    },
    cleanup: async () => {
      await t.log.stop()
      await t.ledger.stop()
      await t.db.close()
      if (init.path === undefined) await rm(dir, { recursive: true, force: true })
    }
  }
  return t
}
