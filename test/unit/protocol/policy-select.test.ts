/**
 * Proves `selectPolicy` follows DESIGN.md §5.1: the latest policy in effect is current, a
 * superseded one is honoured strictly before its honouredUntilMs and unknown from then on, and a
 * policy not yet in effect or not in the history is unknown.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPolicyDocument, currentPolicy, policyDocumentCid, selectPolicy, signPolicyDocument } from '../../../protocol/policy-document.js'
import { HOUR_MS, ISSUED_MS, OPERATOR, OPERATOR_KEY, ROOT } from './messages-fixtures.js'
import type { PolicyDocument } from '../../../protocol/policy-schema.js'

function policy (validFromMs: number, honouredUntilMs?: number, issuedAtMs = ISSUED_MS, perMiB = 1n): PolicyDocument {
  return signPolicyDocument(createPolicyDocument({ relay: { tau: OPERATOR }, issuedAtMs, validFromMs, honouredUntilMs, pricing: { perMiB } }), OPERATOR_KEY)
}

const A = policy(ISSUED_MS, ISSUED_MS + 10 * HOUR_MS)
const B = policy(ISSUED_MS + 2 * HOUR_MS)
const C = policy(ISSUED_MS + 5 * HOUR_MS, ISSUED_MS + 6 * HOUR_MS)
const HISTORY = [B, C, A]
const cid = policyDocumentCid

describe('selectPolicy', () => {
  it('marks the latest policy in effect as current', () => {
    assert.equal(selectPolicy(HISTORY, cid(A), ISSUED_MS), 'current')
    assert.equal(selectPolicy(HISTORY, cid(B), ISSUED_MS + 2 * HOUR_MS), 'current')
    assert.equal(selectPolicy(HISTORY, cid(C), ISSUED_MS + 100 * HOUR_MS), 'current')
    assert.equal(currentPolicy(HISTORY, ISSUED_MS + 3 * HOUR_MS), B)
    assert.equal(currentPolicy(HISTORY, ISSUED_MS - 1), undefined)
  })

  it('honours a superseded policy strictly before its honouredUntilMs', () => {
    assert.equal(selectPolicy(HISTORY, cid(A), ISSUED_MS + 2 * HOUR_MS), 'honoured')
    assert.equal(selectPolicy(HISTORY, cid(A), ISSUED_MS + 10 * HOUR_MS - 1), 'honoured')
    assert.equal(selectPolicy(HISTORY, cid(A), ISSUED_MS + 10 * HOUR_MS), 'unknown')
  })

  it('does not honour a superseded policy without honouredUntilMs', () => {
    assert.equal(selectPolicy(HISTORY, cid(B), ISSUED_MS + 5 * HOUR_MS), 'unknown')
  })

  it('treats a policy not yet in effect, or not in the history, as unknown', () => {
    assert.equal(selectPolicy(HISTORY, cid(C), ISSUED_MS + 4 * HOUR_MS), 'unknown')
    assert.equal(selectPolicy(HISTORY, ROOT, ISSUED_MS), 'unknown')
    assert.equal(selectPolicy([], cid(A), ISSUED_MS), 'unknown')
  })

  it('breaks a tie in validFromMs by the later issuedAtMs, then by CID, whatever the history order', () => {
    const early = policy(ISSUED_MS + HOUR_MS, undefined, ISSUED_MS)
    const late = policy(ISSUED_MS + HOUR_MS, undefined, ISSUED_MS + 1)
    for (const history of [[early, late], [late, early]]) {
      assert.equal(selectPolicy(history, cid(late), ISSUED_MS + HOUR_MS), 'current')
      assert.equal(selectPolicy(history, cid(early), ISSUED_MS + HOUR_MS), 'unknown')
    }
    const x = policy(ISSUED_MS, undefined, ISSUED_MS, 1n)
    const y = policy(ISSUED_MS, undefined, ISSUED_MS, 2n)
    const expected = Buffer.compare(cid(x).bytes, cid(y).bytes) > 0 ? x : y
    assert.equal(currentPolicy([x, y], ISSUED_MS), expected)
    assert.equal(currentPolicy([y, x], ISSUED_MS), expected)
  })

  it('refuses a non-finite clock', () => {
    assert.throws(() => selectPolicy(HISTORY, cid(A), Number.NaN), { name: 'RangeError' })
  })
})
