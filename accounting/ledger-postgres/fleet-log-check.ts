/**
 * The fleet half of `accounts check`: one node's transfer log (its LevelDB) against the shared
 * ledger's snapshot. The node's settled outcomes are shown to transfer-log-check.ts as if they
 * were local (a prefix overlay), so every LevelDB-ledger log invariant is checked unchanged:
 * head chain, gapless seqs, each request logged once, and "charged ⇔ logged" (pending or
 * committed) with payer, charge and free bytes equal. Then the seqs: every charge row with a seq
 * is that record of the log with every field equal, and every committed record has its charge row.
 * Requests the node is logging right now are skipped (a live check).
 */
import { equals } from 'multiformats/bytes'
import { encodeTransferRecord } from '../../protocol/transfer-record.js'
import { PREFIX, outcomeKey } from '../ledger-keys.js'
import { encodeRecord } from '../ledger-codec.js'
import { bytesEqual, hex } from '../ledger-state.js'
import { checkTransferLog } from '../transfer-log-check.js'
import { decodePendingRecord } from '../transfer-log-keys.js'
import { newestHead, readLogRecords } from './log-reader.js'
import { MemoryLedgerDatabase, PrefixOverlayDatabase } from './memory-db.js'
import { bytesOf, uintOf } from './rows.js'
import type { CheckedNode, LedgerSnapshot } from './check.js'
import type { Row } from './rows.js'

/** Violations of one node's log against the shared ledger, and how many records it holds. */
export async function checkNodeLog (snapshot: LedgerSnapshot, node: CheckedNode): Promise<{ violations: string[], records: number }> {
  const local = new MemoryLedgerDatabase()
  const logging = new Set<string>()
  for (const [id, outcome] of snapshot.outcomes) {
    if (outcome.status !== 'settled' || !bytesEqual(outcome.nodeId, node.nodeId)) continue
    const requestId = Uint8Array.from(Buffer.from(id, 'hex'))
    if (node.isLogging(requestId)) logging.add(id)
    const { nodeId: _node, ...record } = outcome
    local.put(outcomeKey(requestId), encodeRecord(record))
  }
  const report = await checkTransferLog(new PrefixOverlayDatabase(node.logDb, PREFIX.OUTCOME, local))
  // a charge being logged right now may not have reached the log yet
  const v = report.violations.filter((x) => ![...logging].some((id) => x === `charged request ${id} has no log record`))

  const mine = snapshot.charges.filter((r) => bytesEqual(bytesOf(r.node_id), node.nodeId))
  const bySeq = new Map<number, Row>()
  const byId = new Map<string, Row>()
  for (const row of mine) {
    byId.set(hex(bytesOf(row.request_id)), row)
    if (row.log_seq !== null) bySeq.set(uintOf(row.log_seq), row)
  }
  const head = await newestHead(node.logDb)
  const records = head === undefined ? [] : await readLogRecords(node.logDb, head, 0)
  const logged = new Set<number>()
  for (const record of records) {
    logged.add(record.seq)
    const row = byId.get(hex(record.requestId))
    if (row === undefined) {
      v.push(`log record ${record.seq} (request ${hex(record.requestId)}) has no charge row of this node`)
    } else if (row.log_seq !== null && uintOf(row.log_seq) !== record.seq) {
      v.push(`log record ${record.seq} is request ${hex(record.requestId)}, whose charge row says seq ${uintOf(row.log_seq)}`)
    }
  }
  for (const [seq, row] of bySeq) {
    const record = records[seq]
    if (record === undefined || !logged.has(seq)) {
      v.push(`charge row ${hex(bytesOf(row.request_id))} says seq ${seq}, which the log does not hold`)
      continue
    }
    let expected: Uint8Array | undefined
    try {
      expected = encodeTransferRecord(decodePendingRecord(bytesOf(row.record), seq))
    } catch (err: unknown) {
      v.push(`charge row ${hex(bytesOf(row.request_id))}: ${err instanceof Error ? err.message : String(err)}`)
      continue
    }
    if (!equals(expected, encodeTransferRecord(record))) v.push(`log record ${seq} differs from the record of its charge row`)
  }
  return { violations: v, records: records.length }
}
