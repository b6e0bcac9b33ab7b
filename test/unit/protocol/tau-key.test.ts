/**
 * Proves TAU private keys are validated and public keys derived and normalised correctly, using
 * the secp256k1 generator point (the public key of private key 1, SEC 2 §2.4.1) as a known answer.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { fromHex, toHex } from 'multiformats/bytes'
import {
  rawTauPublicKey, tauPrivateKeyFromBytes, tauPublicKeyFromPrivateKey, uncompressedTauPublicKey
} from '../../../protocol/tau-key.js'

/** SEC 2 §2.4.1: G in uncompressed form = the public key of private key 1. */
const G_X = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
const G_Y = '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'
/** SEC 2 §2.4.1: the group order n. */
const N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'

function scalar (n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0'))
}

describe('tau-key', () => {
  it('derives the generator as the public key of private key 1', () => {
    assert.equal(toHex(tauPublicKeyFromPrivateKey(scalar(1n))), '04' + G_X + G_Y)
  })

  it('normalises compressed, raw and uncompressed forms to the same 65 bytes', () => {
    const expected = '04' + G_X + G_Y
    // G.y is even, so its compressed prefix is 0x02
    assert.equal(toHex(uncompressedTauPublicKey(fromHex('02' + G_X))), expected)
    assert.equal(toHex(uncompressedTauPublicKey(fromHex(G_X + G_Y))), expected)
    assert.equal(toHex(uncompressedTauPublicKey(fromHex(expected))), expected)
    assert.equal(toHex(rawTauPublicKey(fromHex('02' + G_X))), G_X + G_Y)
  })

  it('rejects public keys of the wrong length or off the curve', () => {
    assert.throws(() => uncompressedTauPublicKey(new Uint8Array(32)), { name: 'InvalidKeyError' })
    assert.throws(() => uncompressedTauPublicKey(fromHex('03' + G_X + '00')), { name: 'InvalidKeyError' })
    // the right x with the wrong parity of y is still on the curve; a changed y is not
    const badY = G_Y.slice(0, -1) + '9'
    assert.throws(() => uncompressedTauPublicKey(fromHex('04' + G_X + badY)), { name: 'InvalidKeyError' })
    assert.throws(() => uncompressedTauPublicKey(fromHex('05' + G_X + G_Y)), { name: 'InvalidKeyError' })
  })

  it('accepts 1 and n − 1 and rejects 0, n and wrong lengths as private keys', () => {
    const n = BigInt('0x' + N_HEX)
    assert.equal(n, secp256k1.Point.Fn.ORDER)
    assert.deepEqual(tauPrivateKeyFromBytes(scalar(1n)), scalar(1n))
    assert.deepEqual(tauPrivateKeyFromBytes(scalar(n - 1n)), scalar(n - 1n))
    assert.throws(() => tauPrivateKeyFromBytes(scalar(0n)), { name: 'InvalidKeyError' })
    assert.throws(() => tauPrivateKeyFromBytes(scalar(n)), { name: 'InvalidKeyError' })
    assert.throws(() => tauPrivateKeyFromBytes(new Uint8Array(31).fill(1)), { name: 'InvalidKeyError' })
    assert.throws(() => tauPrivateKeyFromBytes(new Uint8Array(33).fill(1)), { name: 'InvalidKeyError' })
  })

  it('returns a copy, so later changes to the input do not change the key', () => {
    const input = scalar(7n)
    const key = tauPrivateKeyFromBytes(input)
    input[31] = 8
    assert.equal(key[31], 7)
  })
})
