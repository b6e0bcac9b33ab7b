/**
 * Test helper: genuine transfer receipts from a real ledger and transfer log (classic-level in a
 * mkdtemp dir): `count` paid syncs settled one by one, so each gets its own group commit and the
 * log holds several signed heads. With the log's HAMT options (identity hash of 8-byte seqs) the
 * proofs of small seqs run through many levels, so every receipt carries a multi-block CAR.
 */
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { openAccounts, RELAY, recordOf } from '../helpers/transfer-log.js'
import type { LogReceipt } from '../../accounting/transfer-log.js'
import type { LogHead } from '../../protocol/log-head.js'
import type { TestAccounts } from '../helpers/transfer-log.js'

/** Receipts of one log, the heads it committed (oldest first), and its cleanup. */
export interface GenuineReceipts {
  accounts: TestAccounts
  receipts: LogReceipt[]
  heads: LogHead[]
  /** What a verifier is given: the relay's TAU address. */
  expect: { expectedRelayAddress: Uint8Array }
  cleanup: () => Promise<void>
}

/** Settles `count` syncs of a funded payer, one commit each, and returns their receipts. */
export async function genuineReceipts (count = 6): Promise<GenuineReceipts> {
  const payer = testKey('adversarial payer')
  const accounts = await openAccounts()
  await accounts.ledger.creditSettlement(settlement(payer, 1_000_000_000n))
  const receipts: LogReceipt[] = []
  for (let n = 1; n <= count; n++) {
    const charge = BigInt(1000 + n)
    await accounts.ledger.openHold({ requestId: requestId(n), payer: payer.address, maxChargeNanoTau: 10_000n })
    const { receipt } = await accounts.log.settle(
      { requestId: requestId(n), chargeNanoTau: charge, freeBytesUsed: 0, billableBytes: 1000 },
      recordOf(n, payer.address, charge))
    receipts.push(receipt)
  }
  const heads: LogHead[] = []
  for await (const stored of accounts.log.heads()) heads.push(stored.head)
  heads.sort((a, b) => a.seq - b.seq)
  return { accounts, receipts, heads, expect: { expectedRelayAddress: RELAY.address }, cleanup: async () => { await accounts.cleanup() } }
}
