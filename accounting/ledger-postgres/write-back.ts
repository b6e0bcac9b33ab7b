/**
 * Writes back the log seqs a node gave its charges, grouped: while one UPDATE runs, later seqs
 * queue for the next, so a node at thousands of charges/s sends a few statements per second, and
 * no receipt waits for it. Best effort by design: a lost write-back leaves `log_seq` NULL, and the
 * node's reconcile (fleet-log.ts) finds the record in its log and writes the seq then.
 */
import { bytea } from './rows.js'
import type { Queryable } from './rows.js'

/** Seqs written back in one statement; bounds its size (~40 bytes of parameters each). */
export const MAX_SEQS_PER_WRITE_BACK = 1024

/** Sets `log_seq` of this node's charges from `(requestId, seq)` pairs; only where still NULL. */
export async function writeBackSeqs (q: Queryable, nodeId: Uint8Array, entries: ReadonlyArray<{ requestId: Uint8Array, seq: number }>): Promise<void> {
  if (entries.length === 0) return
  await q.query(`UPDATE ledger_charges SET log_seq = u.seq
    FROM unnest($1::bytea[], $2::bigint[]) AS u(request_id, seq)
    WHERE ledger_charges.request_id = u.request_id AND ledger_charges.node_id = $3 AND ledger_charges.log_seq IS NULL`,
  [entries.map((e) => bytea(e.requestId)), entries.map((e) => String(e.seq)), bytea(nodeId)])
}

/** A queue of seqs to write back, flushed one group at a time. */
export class SeqWriteBack {
  private readonly queued: Array<{ requestId: Uint8Array, seq: number, done: () => void }> = []
  private running: Promise<void> | undefined
  /** Write-backs that failed (left to the reconcile). */
  failed = 0

  constructor (private readonly q: Queryable, private readonly nodeId: Uint8Array) {}

  /** Queues one seq; `done` runs once it is written or given up. */
  push (requestId: Uint8Array, seq: number, done: () => void): void {
    this.queued.push({ requestId, seq, done })
    this.running ??= this.drain().finally(() => { this.running = undefined })
  }

  /** Resolves when everything queued so far is written or given up. */
  async flush (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async drain (): Promise<void> {
    while (this.queued.length > 0) {
      const group = this.queued.splice(0, MAX_SEQS_PER_WRITE_BACK)
      try {
        await writeBackSeqs(this.q, this.nodeId, group)
      } catch {
        this.failed += group.length
      }
      for (const entry of group) entry.done()
    }
  }
}
