/**
 * Proves log heads are signed by the relay's TAU key in their own domain (tampering, another
 * address and a policy signature all fail), round-trip canonically, keep the prev chain rule, and
 * are named by a dag-cbor blake2b-256 CID like the HAMT blocks they sit with.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeLogHead, encodeLogHead, logHeadCid, signLogHead, verifyLogHead } from '../../../protocol/log-head.js'
import { TAU_DOMAIN } from '../../../protocol/tau-domains.js'
import { signTau } from '../../../protocol/tau-signature.js'
import { DAG_CID, HEAD, OPERATOR, OPERATOR_KEY, PAYER, ROOT } from './messages-fixtures.js'

describe('log-head', () => {
  it('round-trips and verifies against the relay address from its policy', () => {
    const bytes = encodeLogHead(HEAD)
    assert.deepEqual(decodeLogHead(bytes), HEAD)
    verifyLogHead(decodeLogHead(bytes), OPERATOR)
    const cid = logHeadCid(bytes)
    assert.equal(cid.code, 0x71)
    assert.equal(cid.multihash.code, 0xb220)
    assert.ok(cid.equals(logHeadCid(HEAD)))
  })

  it('refuses tampering, another address and another domain', () => {
    assert.throws(() => verifyLogHead({ ...HEAD, count: HEAD.count + 1 }, OPERATOR), { name: 'InvalidSignatureError' })
    assert.throws(() => verifyLogHead(HEAD, PAYER), { name: 'InvalidSignatureError' })
    const { sig: _sig, ...unsigned } = HEAD
    const policySig = signTau(OPERATOR_KEY, TAU_DOMAIN.policy, unsigned)
    assert.throws(() => verifyLogHead({ ...HEAD, sig: policySig }, OPERATOR), { name: 'InvalidSignatureError' })
  })

  it('has a null prev exactly for head 0', () => {
    const first = signLogHead({ ...HEAD, seq: 0, prev: null }, OPERATOR_KEY)
    assert.deepEqual(decodeLogHead(encodeLogHead(first)), first)
    assert.throws(() => signLogHead({ ...HEAD, seq: 0 }, OPERATOR_KEY), { name: 'MalformedMessageError', field: 'prev' })
    assert.throws(() => signLogHead({ ...HEAD, prev: null }, OPERATOR_KEY), { name: 'MalformedMessageError', field: 'prev' })
  })

  it('names the field of every bad value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ v: 2 }, 'v'], [{ hamt: ROOT }, 'hamt'], [{ prev: 'x' }, 'prev'], [{ relay: new Uint8Array(0) }, 'relay'],
      [{ sig: new Uint8Array(65 + 1) }, 'sig'], [{ tau: OPERATOR }, 'tau'], [{ count: -1 }, 'count'], [{ hamt: DAG_CID.bytes }, 'hamt']
    ]
    for (const [patch, field] of cases) {
      assert.throws(() => decodeLogHead(dagCbor.encode({ ...HEAD, ...patch })), { name: 'MalformedMessageError', field }, field)
    }
  })
})
