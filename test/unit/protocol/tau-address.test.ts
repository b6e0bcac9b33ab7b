/**
 * Proves TAU addresses follow the Ethereum derivation (known answers for private keys 1 and 2) and
 * that the text form round-trips and names the failed check — prefix, encoding, length, checksum.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { base58btc } from 'multiformats/bases/base58'
import { fromHex, toHex } from 'multiformats/bytes'
import {
  assertTauAddressBytes, formatTauAddress, parseTauAddress, tauAddressEquals, tauAddressFromPrivateKey, tauAddressFromPublicKey
} from '../../../protocol/tau-address.js'
import { tauPublicKeyFromPrivateKey } from '../../../protocol/tau-key.js'

/** Ethereum addresses of private keys 1 and 2: widely published known answers (e.g. in go-ethereum and eth-account tests). */
const ADDRESS_OF_KEY_1 = '7e5f4552091a69125d5dfcb7b8c2659029395bdf'
const ADDRESS_OF_KEY_2 = '2b5ad5c4795c026514f8317c7a215e218dccd6cf'

function scalar (n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0'))
}

function doubleSha256 (bytes: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(bytes).digest()
  return new Uint8Array(createHash('sha256').update(once).digest())
}

/** `T` + base58 of arbitrary payload bytes, for building bad addresses. */
function textOf (payload: Uint8Array): string {
  return 'T' + base58btc.baseEncode(payload)
}

describe('tau-address', () => {
  it('derives the Ethereum address of private keys 1 and 2 from every public key form', () => {
    for (const [k, expected] of [[1n, ADDRESS_OF_KEY_1], [2n, ADDRESS_OF_KEY_2]] as const) {
      const uncompressed = tauPublicKeyFromPrivateKey(scalar(k))
      const compressed = new Uint8Array(33)
      compressed[0] = (uncompressed[64] & 1) === 0 ? 0x02 : 0x03
      compressed.set(uncompressed.subarray(1, 33), 1)
      assert.equal(toHex(tauAddressFromPublicKey(uncompressed)), expected)
      assert.equal(toHex(tauAddressFromPublicKey(uncompressed.subarray(1))), expected)
      assert.equal(toHex(tauAddressFromPublicKey(compressed)), expected)
      assert.equal(toHex(tauAddressFromPrivateKey(scalar(k))), expected)
    }
  })

  it('formats T + base58(address ‖ first 4 bytes of double sha2-256) and parses it back', () => {
    const address = fromHex(ADDRESS_OF_KEY_1)
    const text = formatTauAddress(address)
    assert.ok(text.startsWith('T'))
    // checked with node:crypto, independently of the code under test
    const payload = base58btc.baseDecode(text.slice(1))
    assert.equal(toHex(payload), ADDRESS_OF_KEY_1 + toHex(doubleSha256(address).subarray(0, 4)))
    assert.deepEqual(parseTauAddress(text), address)
  })

  it('round-trips any 20 bytes, leading zero bytes included', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (address) => {
      assert.deepEqual(parseTauAddress(formatTauAddress(address)), address)
    }))
    const zeros = new Uint8Array(20)
    assert.deepEqual(parseTauAddress(formatTauAddress(zeros)), zeros)
  })

  it('rejects a wrong or missing prefix as prefix', () => {
    const text = formatTauAddress(fromHex(ADDRESS_OF_KEY_1))
    assert.throws(() => parseTauAddress('X' + text.slice(1)), { name: 'InvalidTauAddressError', reason: 'prefix' })
    assert.throws(() => parseTauAddress('t' + text.slice(1)), { name: 'InvalidTauAddressError', reason: 'prefix' })
    assert.throws(() => parseTauAddress(text.slice(1)), { name: 'InvalidTauAddressError', reason: 'prefix' })
    assert.throws(() => parseTauAddress(''), { name: 'InvalidTauAddressError', reason: 'prefix' })
  })

  it('rejects characters outside the base58 alphabet as encoding', () => {
    const text = formatTauAddress(fromHex(ADDRESS_OF_KEY_1))
    for (const bad of ['0', 'O', 'I', 'l', ' ', '+']) {
      assert.throws(() => parseTauAddress(text.slice(0, 5) + bad + text.slice(6)), { name: 'InvalidTauAddressError', reason: 'encoding' })
    }
  })

  it('rejects payloads that are not 24 bytes, and over-long text, as length', () => {
    assert.throws(() => parseTauAddress('T'), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.throws(() => parseTauAddress(textOf(new Uint8Array(23).fill(9))), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.throws(() => parseTauAddress(textOf(new Uint8Array(25).fill(9))), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.throws(() => parseTauAddress('T' + '2'.repeat(1000)), { name: 'InvalidTauAddressError', reason: 'length' })
  })

  it('rejects a flipped checksum bit as checksum', () => {
    const address = fromHex(ADDRESS_OF_KEY_2)
    const payload = new Uint8Array(24)
    payload.set(address)
    payload.set(doubleSha256(address).subarray(0, 4), 20)
    assert.deepEqual(parseTauAddress(textOf(payload)), address)
    payload[23] ^= 1
    assert.throws(() => parseTauAddress(textOf(payload)), { name: 'InvalidTauAddressError', reason: 'checksum' })
  })

  it('detects any single changed character', () => {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 57 }),
      (address, at, shift) => {
        const text = formatTauAddress(address)
        const i = 1 + (at % (text.length - 1))
        const changed = alphabet[(alphabet.indexOf(text[i]) + shift) % 58]
        assert.throws(() => parseTauAddress(text.slice(0, i) + changed + text.slice(i + 1)), { name: 'InvalidTauAddressError' })
      }))
  })

  it('checks address bytes: 20 bytes, nothing else', () => {
    assert.doesNotThrow(() => assertTauAddressBytes(new Uint8Array(20)))
    assert.throws(() => assertTauAddressBytes(new Uint8Array(19)), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.throws(() => assertTauAddressBytes(new Uint8Array(32)), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.throws(() => assertTauAddressBytes('0x7e5f'), { name: 'InvalidTauAddressError', reason: 'encoding' })
    assert.throws(() => formatTauAddress(new Uint8Array(21)), { name: 'InvalidTauAddressError', reason: 'length' })
    assert.equal(tauAddressEquals(fromHex(ADDRESS_OF_KEY_1), fromHex(ADDRESS_OF_KEY_1)), true)
    assert.equal(tauAddressEquals(fromHex(ADDRESS_OF_KEY_1), fromHex(ADDRESS_OF_KEY_2)), false)
  })
})
