/**
 * One group commit of the transfer log: give each pending record the next seq (so seqs are gapless
 * by construction: only the committer assigns them, in the same batch that raises `count`), set
 * them in the HAMT, flush, sign a head chained to the previous one, and write the HAMT blocks, the
 * head block, its head-number key, the newest-head meta key and the deletion of the pending records
 * as ONE LevelDB batch with `sync: true`. A failed batch changes nothing on disk; the in-memory
 * HAMT is reloaded from the last committed root, so the next commit starts from what is stored.
 */
import { Hamt } from '../protocol/hamt/hamt.js'
import { encodeLogHead, logHeadCid, signLogHead } from '../protocol/log-head.js'
import { transferLogKey } from '../protocol/transfer-record.js'
import { LOG_META_HEAD, logBlockKey, logHeadKey, logMetaKey, pendingKey } from './transfer-log-keys.js'
import type { LevelBlockStore } from './level-block-store.js'
import type { DecodedPendingRecord } from './transfer-log-keys.js'
import type { LedgerDatabase } from './ledger-state.js'
import type { StoredLogHead } from './transfer-log-proof.js'
import type { HamtOptions } from '../protocol/hamt/types.js'
import type { TransferRecord } from '../protocol/transfer-record.js'

/** The log's live state: its store, the HAMT as of `head` (plus nothing uncommitted between commits). */
export interface LogState {
  db: LedgerDatabase
  store: LevelBlockStore
  hamt: Hamt
  head: StoredLogHead | undefined
  hamtOptions: HamtOptions
}

/** Who signs a commit, and when. */
export interface CommitSigner {
  relayPeerId: Uint8Array
  tauPrivateKey: Uint8Array
  nowMs: number
}

/** A pending record read back from the database, decoded and checked (once: the check is most of its cost). */
export interface PendingEntry extends DecodedPendingRecord {
  requestId: Uint8Array
}

/** Commits `pending` (in order) as the next head; returns the head and the sequenced records. */
export async function writeCommit (state: LogState, pending: readonly PendingEntry[], signer: CommitSigner): Promise<{ head: StoredLogHead, records: TransferRecord[] }> {
  const first = state.head?.head.count ?? 0
  const batch = state.store.beginBatch()
  let written = false
  try {
    const records = pending.map((entry, i) => ({ ...entry.record, seq: first + i }))
    // the checked node plus its seq is exactly transferRecordToNode(record): no second check
    for (let i = 0; i < records.length; i++) await state.hamt.set(transferLogKey(records[i].seq), { ...pending[i].node, seq: records[i].seq })
    const hamt = await state.hamt.flush()
    const previous = state.head
    const head = signLogHead({
      v: 1,
      seq: previous === undefined ? 0 : previous.head.seq + 1,
      count: first + records.length,
      hamt,
      prev: previous?.cid ?? null,
      // a head never claims to be older than its predecessor, even if the clock stepped back
      tsMs: Math.max(signer.nowMs, previous?.head.tsMs ?? 0),
      relay: signer.relayPeerId
    }, signer.tauPrivateKey)
    const bytes = encodeLogHead(head)
    const cid = logHeadCid(bytes)
    const ops = batch.ops()
    ops.push({ type: 'put', key: logHeadKey(head.seq), value: cid.bytes })
    ops.push({ type: 'put', key: logMetaKey(LOG_META_HEAD), value: cid.bytes })
    ops.push({ type: 'put', key: logBlockKey(cid), value: bytes })
    for (const entry of pending) ops.push({ type: 'del', key: pendingKey(entry.requestId) })
    // sync: this fsync also makes every earlier unsynced charge batch durable (see level-block-store.ts)
    await state.db.batch(ops, { sync: true })
    written = true
    state.head = { head, bytes, cid }
    return { head: state.head, records }
  } finally {
    state.store.endBatch(written)
    if (!written) {
      // flushed nodes count as stored inside the HAMT; start again from the last committed root
      state.hamt = state.head === undefined
        ? await Hamt.create(state.store, state.hamtOptions)
        : await Hamt.load(state.store, state.head.head.hamt, state.hamtOptions)
    }
  }
}
