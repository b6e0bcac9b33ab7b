// Proves block prefixes follow go-cid's Prefix.Bytes() (uvarint version, codec, multihash code,
// digest length), that cidFromPrefix recomputes the CID by hashing, and that bad prefixes and
// unsupported hashes fail with their typed errors.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { blockPrefix, cidFromPrefix, encodeCidPrefix, parseCidPrefix } from '../../../../protocol/graphsync/block-prefix.js'
import { blake2b256 } from '../../../../protocol/hashes.js'
import { assertMalformed, fromHex } from './helpers.js'

const data = new TextEncoder().encode('graphsync block')

describe('block prefixes', () => {
  it('encodes CIDv1 and CIDv0 prefixes as go-cid does', async () => {
    const v1 = CID.createV1(0x71, await sha256.digest(data))
    assert.deepEqual(blockPrefix(v1), fromHex('01711220'))
    const v0 = CID.createV0(await sha256.digest(data))
    assert.deepEqual(blockPrefix(v0), fromHex('00701220'))
    // multi-byte varints: dag-json 0x0129 = a9 02, blake2b-256 0xb220 = a0 e4 02 (7 bits at a time, low first)
    const blake = CID.createV1(0x0129, blake2b256.digest(data))
    assert.deepEqual(blockPrefix(blake), fromHex('01a902a0e40220'))
    assert.deepEqual(parseCidPrefix(blockPrefix(blake)), { version: 1, codec: 0x0129, multihashCode: 0xb220, digestLength: 32 })
  })

  it('recomputes the CID from prefix and data for sha2-256, blake2b-256 and identity', async () => {
    const cids = [
      CID.createV1(0x55, await sha256.digest(data)),
      CID.createV0(await sha256.digest(data)),
      CID.createV1(0x71, blake2b256.digest(data)),
      CID.createV1(0x55, identity.digest(data))
    ]
    for (const cid of cids) assert.ok(cidFromPrefix(blockPrefix(cid), data).equals(cid), cid.toString())
    const expected = Uint8Array.from(createHash('sha256').update(data).digest())
    assert.deepEqual(cidFromPrefix(fromHex('01551220'), data).multihash.digest, expected)
  })

  it('accepts a parsed prefix as well as bytes', () => {
    const prefix = { version: 1, codec: 0x55, multihashCode: 0x12, digestLength: 32 } as const
    assert.ok(cidFromPrefix(prefix, data).equals(cidFromPrefix(encodeCidPrefix(prefix), data)))
  })

  it('rejects unsupported hashes with UnsupportedHashError', () => {
    // sha2-512 (0x13, 64 bytes) is not one we verify
    assert.throws(() => cidFromPrefix(fromHex('01551340'), data), { name: 'UnsupportedHashError', hashCode: 0x13 })
  })

  it('rejects malformed prefixes and truncated digests, naming the field', () => {
    assertMalformed(() => parseCidPrefix(fromHex('015512')), 'prefix')
    assertMalformed(() => parseCidPrefix(fromHex('0155122000')), 'prefix')
    assertMalformed(() => parseCidPrefix(fromHex('02551220')), 'prefix')
    assertMalformed(() => parseCidPrefix(fromHex('0181001220')), 'prefix') // non-minimal varint
    assertMalformed(() => parseCidPrefix(fromHex('00551220')), 'prefix') // CIDv0 must be dag-pb
    assertMalformed(() => cidFromPrefix(fromHex('01551214'), data, 'gs2.blk[3][0]'), 'gs2.blk[3][0]')
  })
})
