/**
 * The one table of sync outcomes and rejection reasons (DESIGN.md §4.1, STYLE.md 5.4): each name
 * has one wire code (the integer a SyncResult and a TransferRecord carry) and one metric label
 * (the bounded `outcome`/`reason` label value), plus the mapping of our typed errors to a
 * rejection reason, go-libp2p `getRejectionReason` style.
 *
 * Codes: outcomes are 0..99, rejection reasons 100..199, so one integer never means both. Codes
 * are part of the wire format: never renumber or reuse one; add new names with new codes.
 */

/** How a sync ended. `rejected` means before any block; its reason is a RejectionReason. */
export type SyncOutcome = 'completed' | 'limit' | 'not_found' | 'target_failed' | 'target_misbehaved' | 'requester_gone' | 'rejected' | 'reservation'

/** Why a sync was rejected before any block. */
export type RejectionReason =
  'malformed' | 'too_large' | 'bad_signature' | 'expired' | 'replayed' | 'unknown_policy' |
  'selector_invalid' | 'selector_too_deep' | 'busy' | 'insufficient_funds' | 'target_unreachable' |
  'unsupported' | 'internal_error'

/** One row of the status table. */
export interface StatusEntry<Name extends string = string> {
  /** The name used in code and in logs. */
  readonly name: Name
  /** The integer on the wire. */
  readonly code: number
  /** The metric label value (`outcome` or `reason`), snake_case. */
  readonly metricLabel: string
  /** What it means, for operators. */
  readonly description: string
}

/** Every sync outcome, in code order. */
export const SYNC_OUTCOME_TABLE: ReadonlyArray<StatusEntry<SyncOutcome>> = Object.freeze([
  { name: 'completed', code: 0, metricLabel: 'completed', description: 'every block the selector reaches was delivered' },
  { name: 'limit', code: 1, metricLabel: 'limit', description: 'stopped at maxBlocks, maxBytes or the hold' },
  { name: 'not_found', code: 2, metricLabel: 'not_found', description: 'the target lacks the root' },
  { name: 'target_failed', code: 3, metricLabel: 'target_failed', description: 'the target disconnected, timed out or failed' },
  { name: 'target_misbehaved', code: 4, metricLabel: 'target_misbehaved', description: 'the target sent a block the walk did not need or that does not hash to its CID' },
  { name: 'requester_gone', code: 5, metricLabel: 'requester_gone', description: 'the requester disconnected mid-sync; it pays for what was forwarded' },
  { name: 'rejected', code: 6, metricLabel: 'rejected', description: 'refused before any block; see the reason' },
  { name: 'reservation', code: 7, metricLabel: 'reservation', description: 'a circuit reservation fee: a logged charge with no blocks (never the status of a sync)' }
])

/** Every rejection reason, in code order. */
export const REJECTION_REASON_TABLE: ReadonlyArray<StatusEntry<RejectionReason>> = Object.freeze([
  { name: 'malformed', code: 100, metricLabel: 'malformed', description: 'the request does not decode to a SyncRequest' },
  { name: 'too_large', code: 101, metricLabel: 'too_large', description: 'the request or its selector exceeds a size limit' },
  { name: 'bad_signature', code: 102, metricLabel: 'bad_signature', description: 'the signature does not recover the payer' },
  { name: 'expired', code: 103, metricLabel: 'expired', description: 'tsMs is outside ±requestClockSkewMs of the relay clock' },
  { name: 'replayed', code: 104, metricLabel: 'replayed', description: 'the payer already used this request id' },
  { name: 'unknown_policy', code: 105, metricLabel: 'unknown_policy', description: 'the policy CID is neither current nor still honoured' },
  { name: 'selector_invalid', code: 106, metricLabel: 'selector_invalid', description: 'the selector does not parse' },
  { name: 'selector_too_deep', code: 107, metricLabel: 'selector_too_deep', description: 'the selector exceeds the depth limit' },
  { name: 'busy', code: 108, metricLabel: 'busy', description: 'a concurrency limit (global, per payer, per target) is reached' },
  { name: 'insufficient_funds', code: 109, metricLabel: 'insufficient_funds', description: 'free quota and balance cannot cover any charge' },
  { name: 'target_unreachable', code: 110, metricLabel: 'target_unreachable', description: 'no connection to the target and its addresses cannot be dialled' },
  { name: 'unsupported', code: 111, metricLabel: 'unsupported', description: 'a version, codec, hash or selector feature this relay does not run' },
  { name: 'internal_error', code: 112, metricLabel: 'internal_error', description: 'the relay failed (disk, bug); the requester is not charged' }
])

const OUTCOME_BY_CODE = new Map(SYNC_OUTCOME_TABLE.map((e) => [e.code, e]))
const OUTCOME_BY_NAME = new Map(SYNC_OUTCOME_TABLE.map((e) => [e.name as string, e]))
const REASON_BY_CODE = new Map(REJECTION_REASON_TABLE.map((e) => [e.code, e]))
const REASON_BY_NAME = new Map(REJECTION_REASON_TABLE.map((e) => [e.name as string, e]))

/** The wire code of an outcome; throws RangeError for a name not in the table (a bug, not input). */
export function syncOutcomeCode (outcome: SyncOutcome): number {
  const entry = OUTCOME_BY_NAME.get(outcome)
  if (entry === undefined) throw new RangeError(`unknown sync outcome ${String(outcome)}`)
  return entry.code
}

/** The outcome of a wire code, or undefined for a code not in the table. */
export function syncOutcomeFromCode (code: number): SyncOutcome | undefined {
  return OUTCOME_BY_CODE.get(code)?.name
}

/** The wire code of a rejection reason; throws RangeError for a name not in the table. */
export function rejectionReasonCode (reason: RejectionReason): number {
  const entry = REASON_BY_NAME.get(reason)
  if (entry === undefined) throw new RangeError(`unknown rejection reason ${String(reason)}`)
  return entry.code
}

/** The rejection reason of a wire code, or undefined for a code not in the table. */
export function rejectionReasonFromCode (code: number): RejectionReason | undefined {
  return REASON_BY_CODE.get(code)?.name
}

/** Whether `name` is a sync outcome. */
export function isSyncOutcome (name: unknown): name is SyncOutcome {
  return typeof name === 'string' && OUTCOME_BY_NAME.has(name)
}

/** Whether `name` is a rejection reason. */
export function isRejectionReason (name: unknown): name is RejectionReason {
  return typeof name === 'string' && REASON_BY_NAME.has(name)
}

/** The metric label of an outcome or a rejection reason. */
export function statusMetricLabel (name: SyncOutcome | RejectionReason): string {
  const entry = OUTCOME_BY_NAME.get(name) ?? REASON_BY_NAME.get(name)
  if (entry === undefined) throw new RangeError(`unknown status ${String(name)}`)
  return entry.metricLabel
}

/**
 * Rejection reason of each typed error, by `.name`: ours (protocol/, accounting/) and the libp2p
 * and it-length-prefixed errors the relay sees while reading a request or dialling a target.
 */
const REASON_BY_ERROR_NAME: ReadonlyMap<string, RejectionReason> = new Map<string, RejectionReason>([
  ['MalformedMessageError', 'malformed'],
  ['InvalidTauAddressError', 'malformed'],
  ['InvalidKeyError', 'malformed'],
  ['InvalidRequestIdError', 'malformed'],
  ['InvalidMessageLengthError', 'malformed'],
  ['InvalidDataLengthLengthError', 'malformed'],
  ['UnexpectedEOFError', 'malformed'],
  // it-length-prefixed: the declared frame length exceeds maxDataLength
  ['InvalidDataLengthError', 'too_large'],
  ['BlockTooLargeError', 'too_large'],
  ['InvalidSignatureError', 'bad_signature'],
  ['InvalidPeerBindingError', 'bad_signature'],
  ['RequestExpiredError', 'expired'],
  ['RequestIdReusedError', 'replayed'],
  ['UnknownPolicyError', 'unknown_policy'],
  ['InvalidSelectorError', 'selector_invalid'],
  ['SelectorLimitError', 'selector_too_deep'],
  ['LedgerBusyError', 'busy'],
  // relay/relay-sync: concurrency slots and the request-id replay check
  ['SyncBusyError', 'busy'],
  ['SyncReplayedError', 'replayed'],
  ['ExceedsBalanceError', 'insufficient_funds'],
  ['NoValidAddressesError', 'target_unreachable'],
  ['DialError', 'target_unreachable'],
  ['ConnectionFailedError', 'target_unreachable'],
  ['UnsupportedSelectorError', 'unsupported'],
  ['UnsupportedHashError', 'unsupported'],
  ['UnsupportedCodecError', 'unsupported']
])

/** The rejection reason for a thrown value; anything unrecognised is `internal_error`. */
export function rejectionReasonForError (err: unknown): RejectionReason {
  if (!(err instanceof Error)) return 'internal_error'
  // a selector over the size or node budget is too large, not too deep
  if (err.name === 'SelectorLimitError') {
    const limit = (err as Error & { limit?: unknown }).limit
    return limit === 'size' || limit === 'nodes' ? 'too_large' : 'selector_too_deep'
  }
  return REASON_BY_ERROR_NAME.get(err.name) ?? 'internal_error'
}

/** The error names `rejectionReasonForError` recognises (for tests and docs). */
export function knownRejectionErrorNames (): string[] {
  return [...REASON_BY_ERROR_NAME.keys()]
}
