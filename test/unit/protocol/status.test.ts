/**
 * Proves the status table is complete and unambiguous: every sync outcome and rejection reason of
 * DESIGN.md §4.1 has exactly one unique wire code and a snake_case metric label, codes map back to
 * their names, and typed errors map to the rejection reason the relay reports.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidSelectorError, InvalidSignatureError, MalformedMessageError, RequestExpiredError, SelectorLimitError, UnknownPolicyError, UnsupportedCodecError } from '../../../protocol/errors.js'
import {
  isRejectionReason, isSyncOutcome, knownRejectionErrorNames, REJECTION_REASON_TABLE, rejectionReasonCode, rejectionReasonForError,
  rejectionReasonFromCode, statusMetricLabel, SYNC_OUTCOME_TABLE, syncOutcomeCode, syncOutcomeFromCode
} from '../../../protocol/status.js'
import type { RejectionReason, SyncOutcome } from '../../../protocol/status.js'

const OUTCOMES: SyncOutcome[] = ['completed', 'limit', 'not_found', 'target_failed', 'target_misbehaved', 'requester_gone', 'rejected', 'reservation']
const REASONS: RejectionReason[] = [
  'malformed', 'too_large', 'bad_signature', 'expired', 'replayed', 'unknown_policy', 'selector_invalid',
  'selector_too_deep', 'busy', 'insufficient_funds', 'target_unreachable', 'unsupported', 'internal_error'
]

describe('status', () => {
  it('lists every outcome and reason of DESIGN.md §4.1 once, with unique codes', () => {
    assert.deepEqual(SYNC_OUTCOME_TABLE.map((e) => e.name).sort(), [...OUTCOMES].sort())
    assert.deepEqual(REJECTION_REASON_TABLE.map((e) => e.name).sort(), [...REASONS].sort())
    const codes = [...SYNC_OUTCOME_TABLE, ...REJECTION_REASON_TABLE].map((e) => e.code)
    assert.equal(new Set(codes).size, codes.length)
    for (const code of codes) assert.ok(Number.isSafeInteger(code) && code >= 0)
    for (const e of SYNC_OUTCOME_TABLE) assert.ok(e.code < 100)
    for (const e of REJECTION_REASON_TABLE) assert.ok(e.code >= 100 && e.code < 200)
  })

  it('pins the wire codes (they are part of the protocol)', () => {
    assert.equal(syncOutcomeCode('completed'), 0)
    assert.equal(syncOutcomeCode('rejected'), 6)
    assert.equal(rejectionReasonCode('malformed'), 100)
    assert.equal(rejectionReasonCode('insufficient_funds'), 109)
  })

  it('round-trips code ↔ name and gives snake_case metric labels', () => {
    for (const outcome of OUTCOMES) {
      assert.equal(syncOutcomeFromCode(syncOutcomeCode(outcome)), outcome)
      assert.match(statusMetricLabel(outcome), /^[a-z]+(_[a-z]+)*$/)
      assert.ok(isSyncOutcome(outcome))
    }
    for (const reason of REASONS) {
      assert.equal(rejectionReasonFromCode(rejectionReasonCode(reason)), reason)
      assert.match(statusMetricLabel(reason), /^[a-z]+(_[a-z]+)*$/)
      assert.ok(isRejectionReason(reason))
    }
    assert.equal(syncOutcomeFromCode(100), undefined)
    assert.equal(rejectionReasonFromCode(0), undefined)
    assert.equal(isSyncOutcome('malformed'), false)
    assert.throws(() => syncOutcomeCode('nope' as SyncOutcome), { name: 'RangeError' })
  })

  it('maps typed errors to rejection reasons by name', () => {
    assert.equal(rejectionReasonForError(new MalformedMessageError('x')), 'malformed')
    assert.equal(rejectionReasonForError(new InvalidSignatureError('high_s')), 'bad_signature')
    assert.equal(rejectionReasonForError(new RequestExpiredError(0, 10, 1)), 'expired')
    assert.equal(rejectionReasonForError(new UnknownPolicyError('bafy')), 'unknown_policy')
    assert.equal(rejectionReasonForError(new InvalidSelectorError('')), 'selector_invalid')
    assert.equal(rejectionReasonForError(new SelectorLimitError('depth', 100)), 'selector_too_deep')
    assert.equal(rejectionReasonForError(new SelectorLimitError('size', 100)), 'too_large')
    assert.equal(rejectionReasonForError(new UnsupportedCodecError(0x99)), 'unsupported')
    // accounting's and it-length-prefixed's errors, by name only
    const named = (name: string): Error => Object.assign(new Error('x'), { name })
    assert.equal(rejectionReasonForError(named('ExceedsBalanceError')), 'insufficient_funds')
    assert.equal(rejectionReasonForError(named('RequestIdReusedError')), 'replayed')
    assert.equal(rejectionReasonForError(named('InvalidDataLengthError')), 'too_large')
    assert.equal(rejectionReasonForError(named('LedgerBusyError')), 'busy')
    assert.equal(rejectionReasonForError(named('SyncBusyError')), 'busy')
    assert.equal(rejectionReasonForError(named('SyncReplayedError')), 'replayed')
    assert.equal(rejectionReasonForError(new TypeError('bug')), 'internal_error')
    assert.equal(rejectionReasonForError('not an error'), 'internal_error')
    for (const name of knownRejectionErrorNames()) assert.ok(isRejectionReason(rejectionReasonForError(named(name))))
  })
})
