// Proves blocks are checked against their CID (sha2-256, blake2b-256, identity), that unsupported
// hashes and codecs are typed errors, and that each codec decodes with its limits.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { blake2b256, identity, sha256 } from '../../../protocol/hashes.js'
import { DAG_CBOR_CODE, DAG_JSON_CODE, DAG_PB_CODE, decodeBlock, RAW_CODE, verifyAndDecodeBlock, verifyBlock } from '../../../protocol/block.js'

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('verifyBlock', () => {
  it('accepts bytes that hash to the CID with each supported hash', () => {
    const data = dagCbor.encode({ hello: 'world' })
    for (const hasher of [sha256, blake2b256, identity]) {
      const cid = CID.createV1(DAG_CBOR_CODE, hasher.digest(data))
      assert.equal(verifyBlock(cid, data).cid, cid)
    }
  })

  it('knows the published blake2b-256 CID of the empty HAMT node', () => {
    const cid = CID.createV1(DAG_CBOR_CODE, blake2b256.digest(new Uint8Array([0x82, 0x40, 0x80])))
    assert.equal(cid.toString(), 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
  })

  it('rejects bytes that do not hash to the CID', () => {
    const cid = CID.createV1(RAW_CODE, sha256.digest(bytesOf('a')))
    assert.throws(() => verifyBlock(cid, bytesOf('b')), { name: 'BlockHashMismatchError', cid: cid.toString() })
    const id = CID.createV1(RAW_CODE, identity.digest(bytesOf('a')))
    assert.throws(() => verifyBlock(id, bytesOf('b')), { name: 'BlockHashMismatchError' })
  })

  it('rejects an unsupported multihash and an unsupported codec with typed errors', () => {
    const sha512Cid = CID.createV1(RAW_CODE, Digest.create(0x13, new Uint8Array(64)))
    assert.throws(() => verifyBlock(sha512Cid, bytesOf('a')), { name: 'UnsupportedHashError', hashCode: 0x13 })
    const gitCid = CID.createV1(0x78, sha256.digest(bytesOf('a')))
    assert.throws(() => verifyBlock(gitCid, bytesOf('a')), { name: 'UnsupportedCodecError', codec: 0x78 })
  })

  it('rejects blocks over the size limit before hashing', () => {
    const data = new Uint8Array(1025)
    const cid = CID.createV1(RAW_CODE, sha256.digest(data))
    assert.throws(() => verifyBlock(cid, data, { maxBlockBytes: 1024 }), { name: 'BlockTooLargeError', sizeBytes: 1025, maxSizeBytes: 1024 })
    assert.equal(verifyBlock(cid, data, { maxBlockBytes: 1025 }).bytes, data)
  })
})

describe('decodeBlock', () => {
  it('decodes dag-cbor, dag-json, raw and dag-pb', () => {
    const node = { a: [1, 2], b: 'x' }
    const cbor = dagCbor.encode(node)
    assert.deepEqual(verifyAndDecodeBlock(CID.createV1(DAG_CBOR_CODE, sha256.digest(cbor)), cbor), node)
    const json = dagJson.encode(node)
    assert.deepEqual(verifyAndDecodeBlock(CID.createV1(DAG_JSON_CODE, sha256.digest(json)), json), node)
    const raw = bytesOf('raw bytes')
    assert.deepEqual(verifyAndDecodeBlock(CID.createV1(RAW_CODE, sha256.digest(raw)), raw), raw)
    const pb = dagPb.encode(dagPb.prepare({ Data: bytesOf('unixfs'), Links: [] }))
    const decoded = verifyAndDecodeBlock(CID.createV0(sha256.digest(pb)), pb) as dagPb.PBNode
    assert.deepEqual(decoded.Data, bytesOf('unixfs'))
    assert.equal(CID.createV0(sha256.digest(pb)).code, DAG_PB_CODE)
  })

  it('rejects malformed bytes of each codec with MalformedMessageError', () => {
    const cases: Array<[number, Uint8Array]> = [
      [DAG_CBOR_CODE, new Uint8Array([0x82, 0x01])],
      [DAG_JSON_CODE, bytesOf('{"a":')],
      [DAG_PB_CODE, new Uint8Array([0xff, 0xff, 0xff])]
    ]
    for (const [code, bytes] of cases) {
      const cid = CID.createV1(code, sha256.digest(bytes))
      assert.throws(() => decodeBlock(cid, bytes), { name: 'MalformedMessageError' }, `codec 0x${code.toString(16)}`)
    }
  })

  it('bounds dag-json nesting before the recursive decoder', () => {
    const deep = bytesOf('['.repeat(10_000) + ']'.repeat(10_000))
    const cid = CID.createV1(DAG_JSON_CODE, sha256.digest(deep))
    assert.throws(() => decodeBlock(cid, deep), { name: 'MalformedMessageError', message: /deeper than 256/ })
  })

  it('bounds dag-cbor nesting and block size', () => {
    const deep = new Uint8Array(1001).fill(0x81)
    deep[1000] = 0
    const cid = CID.createV1(DAG_CBOR_CODE, sha256.digest(deep))
    assert.throws(() => decodeBlock(cid, deep), { name: 'MalformedMessageError', message: /deeper/ })
    assert.throws(() => decodeBlock(cid, deep, { maxBlockBytes: 1000 }), { name: 'BlockTooLargeError' })
  })
})
