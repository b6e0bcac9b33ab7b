// Shared builders for the graphsync codec tests (not a test file itself).
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { MalformedMessageError } from '../../../../protocol/errors.js'

/** Hex → a plain Uint8Array (not a Buffer, so deepStrictEqual compares like with like). */
export function fromHex (hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Splits a varint length-prefixed frame, checking the prefix matches the body length. */
export function unframe (frame: Uint8Array): Uint8Array {
  const [length, prefixBytes] = varint.decode(frame)
  const body = frame.subarray(prefixBytes)
  assert.equal(body.length, length, 'frame length prefix equals body length')
  return body
}

/** A deterministic 16-byte request id. */
export function requestId (seed: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i) & 0xff)
}

/** A CIDv1 of `codec` over the sha2-256 of a seed string. */
export async function cidOf (seed: string, codec = 0x71): Promise<CID> {
  return CID.createV1(codec, await sha256.digest(new TextEncoder().encode(seed)))
}

/** DAG-CBOR encodes an arbitrary wire object (keys sorted canonically). */
export function wire (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** Asserts `fn` throws MalformedMessageError naming exactly `field`. */
export function assertMalformed (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MalformedMessageError, `expected MalformedMessageError, got ${String(err)}`)
    assert.equal(err.name, 'MalformedMessageError')
    assert.equal(err.field, field, err.message)
    return true
  })
}

/** The explore-all-recursively selector (go-ipld-prime CommonSelector_ExploreAllRecursively). */
export const EXPLORE_ALL = { R: { l: { none: {} }, ':>': { a: { '>': { '@': {} } } } } }

/** Asserts two byte arrays hold the same bytes, whatever their Uint8Array subclass (dag-cbor may return a Buffer). */
export function assertSameBytes (actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'), message)
}
