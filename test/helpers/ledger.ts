/**
 * Test helper: a real classic-level ledger in a fresh mkdtemp directory, deterministic TAU keys,
 * and a full dump of the key space to prove that a rejected operation changed nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { ClassicLevel } from 'classic-level'
import { toString as bytesToString } from 'uint8arrays/to-string'
import { tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import { Ledger } from '../../accounting/ledger.js'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import type { LedgerInit } from '../../accounting/ledger.js'
import type { SettlementTx } from '../../accounting/settlement-tx.js'

/** A deterministic TAU private key and its address. */
export interface TestKey {
  privateKey: Uint8Array
  address: Uint8Array
}

/** The key named `name` (sha2-256 of the name: a valid secp256k1 scalar). */
export function testKey (name: string): TestKey {
  const privateKey = sha256(new TextEncoder().encode(`ledger-test ${name}`))
  return { privateKey, address: tauAddressFromPrivateKey(privateKey) }
}

/** The operator every test ledger settles to. */
export const OPERATOR = testKey('operator')

/** A 16-byte request id made from a number. */
export function requestId (n: number): Uint8Array {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(12, n)
  id[0] = 0xaa
  return id
}

/** A settlement of `amountNanoTau` from `payer` to the operator, signed by the payer. */
export function settlement (payer: TestKey, amountNanoTau: bigint, nonce = 0): SettlementTx {
  return signSettlementTx(payer.privateKey, { v: 1, from: payer.address, to: OPERATOR.address, amountNanoTau, nonce, tsMs: 1_700_000_000_000 })
}

/** A ledger on its own database, with the means to reach the raw key space and reopen it. */
export interface TestLedger {
  dir: string
  db: ClassicLevel<Uint8Array, Uint8Array>
  ledger: Ledger
  /** Stops the ledger, closes the database and opens both again (a clean restart). */
  reopen: (init?: LedgerInit) => Promise<void>
  /** Stops everything and removes the directory. */
  cleanup: () => Promise<void>
}

async function openDb (dir: string): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  return db
}

/** Creates a ledger in a mkdtemp directory; the caller runs `cleanup` in `after()`. */
export async function createTestLedger (init: LedgerInit = {}): Promise<TestLedger> {
  const dir = await mkdtemp(join(tmpdir(), 'tau-ledger-'))
  const base: LedgerInit = { operatorAddress: OPERATOR.address, now: () => 1_700_000_000_000, ...init }
  const t: TestLedger = {
    dir,
    db: await openDb(dir),
    ledger: undefined as unknown as Ledger,
    reopen: async (next = base) => {
      await t.ledger.stop()
      await t.db.close()
      t.db = await openDb(dir)
      t.ledger = new Ledger({ db: t.db }, next)
      await t.ledger.start()
    },
    cleanup: async () => {
      await t.ledger.stop()
      await t.db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
  t.ledger = new Ledger({ db: t.db }, base)
  await t.ledger.start()
  return t
}

/** Every key and value of the database as hex, in key order. */
export async function dumpKeySpace (db: ClassicLevel<Uint8Array, Uint8Array>): Promise<string[]> {
  const rows: string[] = []
  for await (const [key, value] of db.iterator()) rows.push(`${bytesToString(key, 'base16')}=${bytesToString(value, 'base16')}`)
  return rows
}
