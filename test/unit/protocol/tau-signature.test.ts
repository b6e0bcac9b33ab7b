/**
 * Proves TAU signatures are r ‖ s ‖ v over sha2-256(domain ‖ 0x00 ‖ DAG-CBOR(object without sig)),
 * deterministic per RFC 6979 (published secp256k1 vector), and that verification names each way a
 * signature can be wrong: length, v, r/s range, high s, failed recovery, another signer.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { fromHex, toHex } from 'multiformats/bytes'
import { tauAddressFromPrivateKey } from '../../../protocol/tau-address.js'
import { TAU_DOMAIN } from '../../../protocol/tau-domains.js'
import {
  recoverTauAddress, recoverTauAddressFromDigest, signingDigest, signingPayload, signTau, signTauDigest, verifyTau
} from '../../../protocol/tau-signature.js'

const N = secp256k1.Point.Fn.ORDER
const KEY_1 = scalar(1n)
const KEY_2 = scalar(2n)
const ADDRESS_1 = tauAddressFromPrivateKey(KEY_1)
const ADDRESS_2 = tauAddressFromPrivateKey(KEY_2)
const OBJECT = { v: 1, id: new Uint8Array(16).fill(7), maxBlocks: 100, root: null, note: 'hello' }

function scalar (n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0'))
}

function toBigInt (bytes: Uint8Array): bigint {
  return BigInt('0x' + toHex(bytes))
}

/** A copy of `sig` with s replaced and v set. */
function withS (sig: Uint8Array, s: bigint, v: number): Uint8Array {
  const out = Uint8Array.from(sig)
  out.set(scalar(s), 32)
  out[64] = v
  return out
}

describe('tau-signature', () => {
  it('signs domain ‖ 0x00 ‖ DAG-CBOR of the object without its sig field', () => {
    // {"a": 1} in DAG-CBOR is a1 61 61 01; "x" is 0x78
    assert.equal(toHex(signingPayload('x', { a: 1 })), '7800a1616101')
    assert.equal(toHex(signingPayload('x', { a: 1, sig: new Uint8Array(65) })), '7800a1616101')
    const expected = createHash('sha256').update(fromHex('7800a1616101')).digest()
    assert.equal(toHex(signingDigest('x', { a: 1 })), toHex(new Uint8Array(expected)))
    assert.deepEqual(signTau(KEY_1, 'x', { a: 1, sig: new Uint8Array(65).fill(3) }), signTau(KEY_1, 'x', { a: 1 }))
  })

  it('matches the published RFC 6979 secp256k1 vector, low-s normalised, as r ‖ s ‖ v', () => {
    // bitcointalk topic 285142 ("Test Vectors for RFC 6979 ECDSA, secp256k1, SHA-256"):
    // key 1, sha256("Satoshi Nakamoto") → r, s (s published before low-s normalisation)
    const r = '934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8'
    const highS = BigInt('0xdbbd3162d46e9f9bef7feb87c16dc13b4f6568a87f4e83f728e2443ba586675c')
    const digest = new Uint8Array(createHash('sha256').update('Satoshi Nakamoto').digest())
    const sig = signTauDigest(KEY_1, digest)
    assert.equal(sig.length, 65)
    assert.equal(toHex(sig.subarray(0, 32)), r)
    assert.equal(toBigInt(sig.subarray(32, 64)), N - highS)
    assert.ok(sig[64] === 0 || sig[64] === 1)
    assert.deepEqual(recoverTauAddressFromDigest(digest, sig), ADDRESS_1)
  })

  it('round-trips sign and verify, deterministically', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.syncRequest, OBJECT)
    assert.deepEqual(signTau(KEY_1, TAU_DOMAIN.syncRequest, { ...OBJECT }), sig)
    verifyTau(TAU_DOMAIN.syncRequest, OBJECT, sig, ADDRESS_1)
    verifyTau(TAU_DOMAIN.syncRequest, { ...OBJECT, sig }, sig, ADDRESS_1)
    assert.deepEqual(recoverTauAddress(TAU_DOMAIN.syncRequest, OBJECT, sig), ADDRESS_1)
    assert.notDeepEqual(signTau(KEY_2, TAU_DOMAIN.syncRequest, OBJECT), sig)
  })

  it('rejects another signer, a tampered object or the wrong domain as wrong_signer', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.syncRequest, OBJECT)
    const wrong = { name: 'InvalidSignatureError', reason: 'wrong_signer' }
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, OBJECT, sig, ADDRESS_2), wrong)
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, { ...OBJECT, maxBlocks: 101 }, sig, ADDRESS_1), wrong)
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, { ...OBJECT, extra: 0 }, sig, ADDRESS_1), wrong)
    assert.throws(() => verifyTau(TAU_DOMAIN.policy, OBJECT, sig, ADDRESS_1), wrong)
    const tampered = Uint8Array.from(sig)
    tampered[40] ^= 0x01
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, OBJECT, tampered, ADDRESS_1), wrong)
    const swapped = withS(sig, toBigInt(sig.subarray(32, 64)), sig[64] ^ 1)
    assert.throws(() => verifyTau(TAU_DOMAIN.syncRequest, OBJECT, swapped, ADDRESS_1), wrong)
  })

  it('rejects the high-s twin (n − s with v flipped) as high_s, though it is a valid ECDSA signature', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.policy, OBJECT)
    const r = toBigInt(sig.subarray(0, 32))
    const s = toBigInt(sig.subarray(32, 64))
    const twin = withS(sig, N - s, sig[64] ^ 1)
    // the twin recovers the same key: only the low-s rule stops it
    const digest = signingDigest(TAU_DOMAIN.policy, OBJECT)
    const recovered = new secp256k1.Signature(r, N - s, sig[64] ^ 1).recoverPublicKey(digest).toBytes(false)
    assert.deepEqual(recovered, secp256k1.getPublicKey(KEY_1, false))
    assert.throws(() => verifyTau(TAU_DOMAIN.policy, OBJECT, twin, ADDRESS_1), { name: 'InvalidSignatureError', reason: 'high_s' })
  })

  it('rejects v outside {0,1} as v and wrong lengths as length', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.logHead, OBJECT)
    for (const v of [2, 3, 27, 28, 255]) {
      const bad = Uint8Array.from(sig)
      bad[64] = v
      assert.throws(() => verifyTau(TAU_DOMAIN.logHead, OBJECT, bad, ADDRESS_1), { name: 'InvalidSignatureError', reason: 'v' })
    }
    for (const bad of [sig.subarray(0, 64), Uint8Array.of(...sig, 0), new Uint8Array(0)]) {
      assert.throws(() => verifyTau(TAU_DOMAIN.logHead, OBJECT, bad, ADDRESS_1), { name: 'InvalidSignatureError', reason: 'length' })
    }
  })

  it('rejects r or s of zero or ≥ n as r_or_s_range', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.receipt, OBJECT)
    const range = { name: 'InvalidSignatureError', reason: 'r_or_s_range' }
    assert.throws(() => verifyTau(TAU_DOMAIN.receipt, OBJECT, withS(sig, 0n, sig[64]), ADDRESS_1), range)
    assert.throws(() => verifyTau(TAU_DOMAIN.receipt, OBJECT, withS(sig, N, sig[64]), ADDRESS_1), range)
    const zeroR = Uint8Array.from(sig)
    zeroR.fill(0, 0, 32)
    assert.throws(() => verifyTau(TAU_DOMAIN.receipt, OBJECT, zeroR, ADDRESS_1), range)
    const bigR = Uint8Array.from(sig)
    bigR.fill(0xff, 0, 32)
    assert.throws(() => verifyTau(TAU_DOMAIN.receipt, OBJECT, bigR, ADDRESS_1), range)
  })

  it('rejects an r that is no point\'s x coordinate as recovery', () => {
    const sig = signTau(KEY_1, TAU_DOMAIN.statement, OBJECT)
    let r = 1n
    // about half of all x have no y on the curve; take the first such small one
    while (secp256k1.utils.isValidPublicKey(Uint8Array.of(0x02, ...scalar(r)), true)) r++
    const bad = Uint8Array.from(sig)
    bad.set(scalar(r), 0)
    assert.throws(() => verifyTau(TAU_DOMAIN.statement, OBJECT, bad, ADDRESS_1), { name: 'InvalidSignatureError', reason: 'recovery' })
  })

  it('rejects bad domains, undefined fields and non-map values with typed errors', () => {
    for (const domain of ['', 'a\u0000b', 'caf\u00e9', 'tab\there', 'x'.repeat(129)]) {
      assert.throws(() => signTau(KEY_1, domain, OBJECT), { name: 'InvalidSigningDomainError' })
      assert.throws(() => verifyTau(domain, OBJECT, new Uint8Array(65), ADDRESS_1), { name: 'InvalidSigningDomainError' })
    }
    assert.throws(() => signTau(KEY_1, TAU_DOMAIN.policy, { a: 1, b: undefined }), { name: 'MalformedMessageError', field: 'b' })
    assert.throws(() => signTau(KEY_1, TAU_DOMAIN.policy, { a: { nested: undefined } }), { name: 'MalformedMessageError', field: '' })
    assert.throws(() => signTau(KEY_1, TAU_DOMAIN.policy, { a: Number.NaN }), { name: 'MalformedMessageError' })
    assert.throws(() => signTau(KEY_1, TAU_DOMAIN.policy, [1, 2] as unknown as Record<string, unknown>), { name: 'MalformedMessageError' })
    assert.throws(() => signTau(new Uint8Array(32), TAU_DOMAIN.policy, OBJECT), { name: 'InvalidKeyError' })
    assert.throws(() => verifyTau(TAU_DOMAIN.policy, OBJECT, new Uint8Array(65), new Uint8Array(19)), { name: 'InvalidTauAddressError' })
  })

  it('verifies and recovers the signer for random keys and objects', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k))
    const value = fc.oneof(fc.integer(), fc.string(), fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.constant(null),
      fc.array(fc.integer(), { maxLength: 4 }))
    const object = fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 6 })
    const domain = fc.constantFrom(...Object.values(TAU_DOMAIN))
    fc.assert(fc.property(key, object, domain, (k, o, d) => {
      const sig = signTau(k, d, o)
      assert.equal(sig.length, 65)
      assert.ok(toBigInt(sig.subarray(32, 64)) <= N >> 1n)
      const address = tauAddressFromPrivateKey(k)
      verifyTau(d, o, sig, address)
      assert.deepEqual(recoverTauAddress(d, o, sig), address)
    }), { numRuns: 100 })
  })
})
