/**
 * The checks the crash loop and the disk-full scenario run against a relay's data directory: on
 * the closed database, `accountsCheck` plus the whole chain of log heads (each head's prev is the
 * previous head's CID, numbers consecutive); on the running relay, every acknowledged receipt is
 * provable from `/log/proof/:seq` and its charge is in the payer's journal (`/admin/…/statement`).
 */
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { CID } from 'multiformats/cid'
import { toHex } from 'multiformats/bytes'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { verifyLogChain, verifyReceipt } from '../../accounting/receipt-verify.js'
import { logBlockKey, logHeadRange } from '../../accounting/transfer-log-keys.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { adminRequest } from '../helpers/relay-process.js'
import type { TransferRecord } from '../../protocol/transfer-record.js'

/** What a closed data directory holds. */
export interface ClosedCheck {
  violations: string[]
  records: number
  heads: number
  openHolds: number
  pending: number
}

/** accountsCheck and the head chain of the relay's closed LevelDB in `dataDir`. */
export async function checkClosedDataDir (dataDir: string, relayAddress: Uint8Array): Promise<ClosedCheck> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dataDir, 'ledger'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  try {
    const report = await accountsCheck(db, { expectedRelayAddress: relayAddress })
    const violations = [...report.violations]
    const heads: Uint8Array[] = []
    for await (const [, value] of db.iterator(logHeadRange())) {
      const bytes = await db.get(logBlockKey(CID.decode(value)))
      if (bytes === undefined) violations.push(`head block ${CID.decode(value).toString()} missing`)
      else heads.push(bytes)
    }
    try {
      verifyLogChain(heads, { expectedRelayAddress: relayAddress })
    } catch (err: unknown) {
      violations.push(`head chain: ${(err as Error).message}`)
    }
    return {
      violations,
      records: report.log.totals.records,
      heads: heads.length,
      openHolds: report.ledger.totals.openHolds,
      pending: report.log.totals.pending
    }
  } finally {
    await db.close()
  }
}

/** A receipt a requester got: the record the relay signed for it. */
export interface Ack { payer: Uint8Array, record: TransferRecord }

/** Public routes allow 10 requests/s per IP (burst 50): wait out a 429 rather than fail. */
async function publicGet (url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url)
    if (response.status !== 429 || attempt === MAX_RATE_LIMITED_ATTEMPTS) return response
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}

/** Waits for the public rate limit at most this many times per request. */
const MAX_RATE_LIMITED_ATTEMPTS = 30

/** Failures of acknowledged receipts on the running relay: not provable, or charge not in the journal. */
export async function checkAcks (dataDir: string, http: string, relayAddress: Uint8Array, acks: readonly Ack[]): Promise<string[]> {
  const failures: string[] = []
  const journals = new Map<string, Map<string, bigint>>()
  for (const ack of acks) {
    const seq = ack.record.seq
    const proof = await publicGet(`${http}/log/proof/${seq}`)
    if (proof.status !== 200) {
      failures.push(`seq ${seq}: /log/proof answered ${proof.status}`)
      continue
    }
    try {
      verifyReceipt(new Uint8Array(await proof.arrayBuffer()), { expectedRelayAddress: relayAddress, expectedRecord: ack.record })
    } catch (err: unknown) {
      failures.push(`seq ${seq}: ${(err as Error).name}: ${(err as Error).message}`)
    }
    const address = formatTauAddress(ack.payer)
    let journal = journals.get(address)
    if (journal === undefined) {
      const statement = await (await adminRequest(dataDir, http, 'GET', `/admin/accounts/${address}/statement`)).json() as { entries: Array<{ kind: string, ref: string, amountNanoTau: string }> }
      journal = new Map(statement.entries.filter((e) => e.kind === 'charge').map((e) => [e.ref, BigInt(e.amountNanoTau)]))
      journals.set(address, journal)
    }
    const charged = journal.get(toHex(ack.record.requestId))
    if (charged !== ack.record.charge) failures.push(`seq ${seq}: journal charge ${String(charged)}, receipt ${ack.record.charge}`)
  }
  return failures
}
