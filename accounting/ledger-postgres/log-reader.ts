/**
 * Reads a node's committed transfer log straight from its LevelDB (read-only, beside a running
 * `TransferLog`): the newest head, and the records of a seq range, for the fleet reconcile and
 * the fleet log check.
 */
import { CID } from 'multiformats/cid'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { decodeLogHead } from '../../protocol/log-head.js'
import { transferLogKey, transferRecordFromNode } from '../../protocol/transfer-record.js'
import { TransferLogCorruptError } from '../errors.js'
import { LevelBlockStore } from '../level-block-store.js'
import { LOG_META_HEAD, logMetaKey, TRANSFER_LOG_HAMT_OPTIONS } from '../transfer-log-keys.js'
import type { LedgerDatabase } from '../ledger-state.js'
import type { LogHead } from '../../protocol/log-head.js'
import type { TransferRecord } from '../../protocol/transfer-record.js'

/** The newest committed head of the log in `db`, or undefined before the first commit. */
export async function newestHead (db: LedgerDatabase): Promise<LogHead | undefined> {
  const cidBytes = await db.get(logMetaKey(LOG_META_HEAD))
  if (cidBytes === undefined) return undefined
  const cid = CID.decode(new Uint8Array(cidBytes))
  const bytes = await new LevelBlockStore({ db }).get(cid)
  if (bytes === undefined) throw new TransferLogCorruptError(`head block ${cid.toString()} is missing`)
  return decodeLogHead(bytes)
}

/** The committed records with `from ≤ seq < head.count`, in seq order. */
export async function readLogRecords (db: LedgerDatabase, head: LogHead, from: number): Promise<TransferRecord[]> {
  const hamt = await Hamt.load(new LevelBlockStore({ db }), head.hamt, TRANSFER_LOG_HAMT_OPTIONS)
  const records: TransferRecord[] = []
  for (let seq = Math.max(0, from); seq < head.count; seq++) {
    const node = await hamt.get(transferLogKey(seq))
    if (node === undefined) throw new TransferLogCorruptError(`record ${seq} is missing below count ${head.count}`)
    records.push(transferRecordFromNode(node))
  }
  return records
}
