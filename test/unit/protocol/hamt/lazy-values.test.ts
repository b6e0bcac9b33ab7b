// Proves that values kept as their DAG-CBOR bytes (decoded only when read) change nothing visible:
// a malformed value is still a MalformedHamtNodeError when its node is loaded, even with a bad CID
// that a decoder would have met before a shape error; loaded values read back, prove and re-encode
// byte for byte; and the cheap CID check agrees with multiformats' CID.decode.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { cidFromBytes, isCidBytes } from '../../../../protocol/hamt/cid-bytes.js'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../../../protocol/hamt/memory-block-store.js'
import { proveHamtKey, verifyHamtProof } from '../../../../protocol/hamt/proof.js'
import { bytes, CountingStore, putBytes, seqKey } from './hamt-helpers.js'

const SOME_CID = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
const record = (seq: number): unknown => ({ seq, root: SOME_CID, peer: new Uint8Array(38).fill(seq & 0xff), status: 'completed', nested: { list: [seq, null, true, 'x'] } })

// hand-written node bytes: [h'01', [[[h'00', <value>]]]] (one bucket in slot 0, where key 00 belongs)
const nodeWithValue = (value: number[]): Uint8Array => Uint8Array.from([0x82, 0x41, 0x01, 0x81, 0x81, 0x82, 0x41, 0x00, ...value])
const tag42 = (payload: number[]): number[] => [0xd8, 0x2a, 0x40 + payload.length, ...payload]

describe('strict reader: malformed values inside buckets, found when the node is loaded', () => {
  async function rejects (block: Uint8Array, reason: string): Promise<void> {
    const store = new MemoryBlockStore()
    const cid = await putBytes(store, block)
    await assert.rejects(Hamt.load(store, cid), { name: 'MalformedHamtNodeError', reason, cid: cid.toString() })
  }

  it('accepts the hand-written node with a valid value (so the cases below fail for their value)', async () => {
    const store = new MemoryBlockStore()
    const cid = await putBytes(store, nodeWithValue([0x18, 0x2a]))
    assert.equal(await (await Hamt.load(store, cid, { hashAlg: 'identity' })).get(new Uint8Array([0])), 42)
  })

  it('a CID without its 0x00 prefix, or not a CID, or with bytes after it', async () => {
    await rejects(nodeWithValue(tag42([0x01, 0x71, 0x00, 0x00])), 'invalid_dag_cbor')
    await rejects(nodeWithValue(tag42([0x00, 0x01, 0x71])), 'invalid_dag_cbor')
    await rejects(nodeWithValue(tag42([0x00, 0x01, 0x71, 0x00, 0x00, 0x00])), 'invalid_dag_cbor')
    await rejects(nodeWithValue([0x81, ...tag42([0x00, 0x05, 0x71, 0x00, 0x00])]), 'invalid_dag_cbor') // version 5
  })

  it('unsorted or duplicate map keys, indefinite lengths, other tags, non-minimal integers', async () => {
    await rejects(nodeWithValue([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), 'invalid_dag_cbor')
    await rejects(nodeWithValue([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]), 'invalid_dag_cbor')
    await rejects(nodeWithValue([0x9f, 0x01, 0xff]), 'invalid_dag_cbor')
    await rejects(nodeWithValue([0xc1, 0x01]), 'invalid_dag_cbor')
    await rejects(nodeWithValue([0x18, 0x05]), 'invalid_dag_cbor')
  })

  it('a bad CID after a shape error is reported as the decoder would: invalid_dag_cbor', async () => {
    // [h'03', [7, [[h'61', 42(h'01')]]]]: pointer 0 is malformed, pointer 1 holds a bad CID
    await rejects(Uint8Array.from([0x82, 0x41, 0x03, 0x82, 0x07, 0x81, 0x82, 0x41, 0x61, ...tag42([0x01])]), 'invalid_dag_cbor')
    await rejects(Uint8Array.from([0x82, 0x41, 0x03, 0x82, 0x07, 0x81, 0x82, 0x41, 0x61, 0x01]), 'malformed_pointer')
  })

  it('in a child, when a lookup first reaches it', async () => {
    const store = new MemoryBlockStore()
    // a child with two buckets of two entries; the last value holds a CID without its 0x00 prefix
    const entry = (second: number, value: number[]): number[] => [0x82, 0x42, 0x00, second, ...value]
    const child = Uint8Array.from([0x82, 0x41, 0x03, 0x82, 0x82, ...entry(0x01, [0x01]), ...entry(0x02, [0x02]),
      0x82, ...entry(0x08, [0x03]), ...entry(0x09, tag42([0x01]))])
    const childCid = await putBytes(store, child)
    const root = await putBytes(store, dagCbor.encode([new Uint8Array([1]), [childCid]]))
    const hamt = await Hamt.load(store, root, { hashAlg: 'identity' })
    await assert.rejects(hamt.get(new Uint8Array([0, 1])), { name: 'MalformedHamtNodeError', reason: 'invalid_dag_cbor', cid: childCid.toString() })
  })
})

describe('values held as bytes', () => {
  it('read back, iterate and prove after a reload, equal to what was set', async () => {
    const store = new MemoryBlockStore()
    const hamt = await Hamt.create(store)
    for (let i = 0; i < 300; i++) await hamt.set(seqKey(i), record(i))
    const root = await hamt.flush()
    const loaded = await Hamt.load(store, root)
    for (let i = 0; i < 300; i += 7) assert.deepEqual(await loaded.get(seqKey(i)), record(i))
    let count = 0
    for await (const [key, value] of loaded.entries()) {
      assert.deepEqual(value, record(Number(new DataView(key.buffer, key.byteOffset).getBigUint64(0))))
      count++
    }
    assert.equal(count, 300)
    const proof = await verifyHamtProof(await proveHamtKey(store, root, seqKey(123)), seqKey(123), { root })
    assert.deepEqual(proof.value, record(123))
  })

  it('re-encode byte for byte after changes on a reloaded map: same root as a map built in one go (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 120 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 40 }),
      async (first, second) => {
        const store = new CountingStore()
        const hamt = await Hamt.create(store, { bitWidth: 3, bucketSize: 2 })
        for (const seq of first) await hamt.set(seqKey(seq), record(seq))
        const reloaded = await Hamt.load(store, await hamt.flush(), { bitWidth: 3, bucketSize: 2 })
        for (const seq of second) {
          if (seq % 3 === 0) await reloaded.delete(seqKey(seq))
          else await reloaded.set(seqKey(seq), record(seq + 1))
        }
        const root = await reloaded.flush()

        const expected = new Map(first.map((seq) => [seq, record(seq)]))
        for (const seq of second) {
          if (seq % 3 === 0) expected.delete(seq)
          else expected.set(seq, record(seq + 1))
        }
        const fresh = await Hamt.create(new MemoryBlockStore(), { bitWidth: 3, bucketSize: 2 })
        for (const [seq, value] of expected) await fresh.set(seqKey(seq), value)
        assert.equal(root.toString(), (await fresh.flush()).toString())
      }), { numRuns: 30 })
  })

  it('an overwrite of a loaded value with an equal one writes nothing', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store)
    for (let i = 0; i < 100; i++) await hamt.set(seqKey(i), record(i))
    const root = await hamt.flush()
    const loaded = await Hamt.load(store, root)
    const writes = store.writes
    for (let i = 0; i < 100; i += 3) await loaded.set(seqKey(i), record(i))
    assert.equal((await loaded.flush()).toString(), root.toString())
    assert.equal(store.writes, writes)
  })
})

describe('isCidBytes and cidFromBytes', () => {
  const decodes = (b: Uint8Array): boolean => {
    try {
      CID.decode(b)
      return true
    } catch {
      return false
    }
  }

  it('agree with CID.decode on real, mutated, cut and random CIDs (property)', async () => {
    const v0 = CID.createV0(await sha256.digest(bytes('x'))).bytes
    // the last one: an explicit version 0 with another codec, which CID.decode accepts (as dag-pb)
    const samples = [SOME_CID.bytes, v0, CID.createV1(0x55, await sha256.digest(bytes('y'))).bytes, Uint8Array.of(0, 0x55, 0x12, 2, 1, 2)]
    fc.assert(fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 48 }),
        fc.tuple(fc.constantFrom(...samples), fc.nat(), fc.nat(255), fc.integer({ min: -2, max: 2 })).map(([b, at, byte, cut]) => {
          const copy = b.slice(0, Math.max(0, b.length + Math.min(cut, 0)))
          if (copy.length > 0) copy[at % copy.length] = byte
          return cut > 0 ? Uint8Array.from([...copy, ...new Array<number>(cut).fill(0)]) : copy
        }),
        fc.tuple(fc.constantFrom(0, 1, 18, 0x80, 0xff), fc.uint8Array({ maxLength: 40 })).map(([first, rest]) => Uint8Array.from([first, ...rest]))
      ),
      (b) => {
        assert.equal(isCidBytes(b, 0, b.length), decodes(b), `bytes ${Array.from(b).join(',')}`)
        const framed = Uint8Array.from([7, ...b, 7]) // and at an offset, as inside a block
        const built = cidFromBytes(framed, 1, framed.length - 1)
        if (!decodes(b)) return assert.equal(built, undefined)
        const expected = CID.decode(b)
        assert.ok(built !== undefined && built.equals(expected))
        assert.deepEqual([built.version, built.code, built.multihash.code, built.multihash.size, built.toString()],
          [expected.version, expected.code, expected.multihash.code, expected.multihash.size, expected.toString()])
        assert.deepEqual(built.multihash.digest, expected.multihash.digest)
      }), { numRuns: 5000 })
    for (const b of samples) assert.equal(isCidBytes(b, 0, b.length), true)
  })
})
