/**
 * What the replay tests send again and again: one payer, one signed settlement transaction and
 * one charged request (its hold, its settle and its transfer-log record), shared by the crash
 * child (replay-crash-child.ts) and the test that restarts after it (replay-crash.test.ts).
 */
import { requestId, settlement, testKey } from '../helpers/ledger.js'
import { recordOf } from '../helpers/transfer-log.js'
import type { SettleArgs } from '../../accounting/ledger-holds.js'
import type { OpenHoldArgs } from '../../accounting/ledger-holds.js'
import type { UnsequencedRecord } from '../../accounting/transfer-log-keys.js'

/** The payer of every replay. */
export const REPLAY_PAYER = testKey('replay payer')
/** What the settlement credits. */
export const REPLAY_CREDIT_NANO_TAU = 5_000_000n
/** The one signed settlement transaction (nonce 0). */
export const REPLAY_TX = settlement(REPLAY_PAYER, REPLAY_CREDIT_NANO_TAU, 0)
/** Number of the charged request (its id is `requestId(REPLAY_REQUEST)`). */
export const REPLAY_REQUEST = 777
/** What the request is charged. */
export const REPLAY_CHARGE_NANO_TAU = 700_000n
/** The hold of the request. */
export const REPLAY_HOLD: OpenHoldArgs = { requestId: requestId(REPLAY_REQUEST), payer: REPLAY_PAYER.address, maxChargeNanoTau: 1_000_000n, maxFreeBytes: 0 }
/** The settle of the request (without its log record). */
export const REPLAY_SETTLE: SettleArgs = { requestId: requestId(REPLAY_REQUEST), chargeNanoTau: REPLAY_CHARGE_NANO_TAU, freeBytesUsed: 0, billableBytes: 1000 }
/** The transfer-log record of the request. */
export const REPLAY_RECORD: UnsequencedRecord = recordOf(REPLAY_REQUEST, REPLAY_PAYER.address, REPLAY_CHARGE_NANO_TAU, 0)
/** Where the crash child is killed: after the import, after the hold, after the charge batch, after the receipt. */
export type CrashPoint = 'credit' | 'hold' | 'charge' | 'receipt'
