// Proves HAMT proofs: a CARv1 whose only root is the HAMT root and whose blocks are the lookup
// path, root first; verification from the CAR alone gives found/value or not-found with its reason,
// and every broken proof (missing, extra, out-of-order or corrupt block, other root, bad CAR) is a
// typed error, never "not found".
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { encodeProofCar, hamtPathBlocks, proveHamtKey, verifyHamtProof } from '../../../../protocol/hamt/proof.js'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { HAMT_EMPTY_ROOT } from '../../../../protocol/hamt/types.js'
import { bytes, CountingStore, putNode, seqKey } from './hamt-helpers.js'
import type { ProofBlock } from '../../../../protocol/hamt/proof.js'
import type { CID } from 'multiformats/cid'

async function fixture (count = 5000): Promise<{ store: CountingStore, root: CID }> {
  const store = new CountingStore()
  const hamt = await Hamt.create(store)
  for (let i = 0; i < count; i++) await hamt.set(seqKey(i), { seq: i })
  return { store, root: await hamt.flush() }
}

function blocksOf (car: Uint8Array): ProofBlock[] {
  return CarBufferReader.fromBytes(car).blocks()
}

describe('proveHamtKey / verifyHamtProof round trips', () => {
  it('proves a present key with the path blocks only, root first', async () => {
    const { store, root } = await fixture()
    const car = await proveHamtKey(store, root, seqKey(1234))
    const reader = CarBufferReader.fromBytes(car)
    assert.equal(reader.version, 1)
    assert.deepEqual(reader.getRoots().map(String), [root.toString()])
    const { blocks } = await hamtPathBlocks(store, root, seqKey(1234))
    assert.deepEqual(reader.blocks().map((b) => b.cid.toString()), blocks.map((b) => b.cid.toString()))
    assert.equal(reader.blocks()[0].cid.toString(), root.toString())
    assert.ok(reader.blocks().length >= 2)
    assert.deepEqual(await verifyHamtProof(car, seqKey(1234), { root }), { root, found: true, value: { seq: 1234 } })
  })

  it('proves absence: an unset bit, or a bucket without the key', async () => {
    const reasons = new Set<string>()
    const { store, root } = await fixture(40)
    for (let i = 100; i < 400 && reasons.size < 2; i++) {
      const result = await verifyHamtProof(await proveHamtKey(store, root, seqKey(i)), seqKey(i))
      assert.equal(result.found, false)
      assert.equal(result.value, undefined)
      reasons.add(result.reason as string)
    }
    assert.deepEqual([...reasons].sort(), ['bit_unset', 'bucket_without_key'])
  })

  it('proves absence in the empty map with the root block alone', async () => {
    const store = new CountingStore()
    const root = await (await Hamt.create(store)).flush()
    const car = await proveHamtKey(store, root, bytes('k'))
    assert.equal(blocksOf(car).length, 1)
    assert.deepEqual(await verifyHamtProof(car, bytes('k'), { root: HAMT_EMPTY_ROOT }), { root, found: false, reason: 'bit_unset' })
  })

  it('works with other options (bitWidth 8, identity hash)', async () => {
    const store = new CountingStore()
    const options = { bitWidth: 8, hashAlg: 'identity' as const }
    const hamt = await Hamt.create(store, options)
    for (const key of ['AAAA1', 'AAAA2', 'AAAA3', 'AAAA4', 'B']) await hamt.set(bytes(key), key)
    const root = await hamt.flush()
    const car = await proveHamtKey(store, root, bytes('AAAA3'), options)
    assert.equal(blocksOf(car).length, 5)
    assert.equal((await verifyHamtProof(car, bytes('AAAA3'), options)).value, 'AAAA3')
  })

  it('fails to build a proof over a store missing a path block', async () => {
    const { store, root } = await fixture()
    const { blocks } = await hamtPathBlocks(store, root, seqKey(9))
    await store.delete(blocks[1].cid)
    await assert.rejects(proveHamtKey(store, root, seqKey(9)), { name: 'BlockNotFoundError', cid: blocks[1].cid.toString() })
  })
})

describe('verifyHamtProof rejects broken proofs', () => {
  async function path (): Promise<{ root: CID, blocks: ProofBlock[], key: Uint8Array }> {
    const { store, root } = await fixture()
    const key = seqKey(4321)
    return { root, key, blocks: (await hamtPathBlocks(store, root, key)).blocks }
  }

  it('a missing block', async () => {
    const { root, blocks, key } = await path()
    await assert.rejects(verifyHamtProof(encodeProofCar(root, blocks.slice(0, -1)), key), { name: 'InvalidProofError', reason: 'missing_block' })
    await assert.rejects(verifyHamtProof(encodeProofCar(root, blocks.slice(1)), key), { name: 'InvalidProofError', reason: 'missing_block' })
  })

  it('an extra block, even a valid node of the same map', async () => {
    const { root, blocks, key } = await path()
    const other = await fixture(10)
    const extra = (await hamtPathBlocks(other.store, other.root, seqKey(1))).blocks[0]
    await assert.rejects(verifyHamtProof(encodeProofCar(root, [...blocks, extra]), key), { name: 'InvalidProofError', reason: 'extra_block' })
    await assert.rejects(verifyHamtProof(encodeProofCar(root, [...blocks, blocks[1]]), key), { name: 'InvalidProofError', reason: 'extra_block' })
  })

  it('blocks out of order', async () => {
    const { root, blocks, key } = await path()
    const swapped = [blocks[0], ...blocks.slice(1).reverse()]
    await assert.rejects(verifyHamtProof(encodeProofCar(root, swapped), key), { name: 'InvalidProofError', reason: 'out_of_order' })
  })

  it('a corrupt block', async () => {
    const { root, blocks, key } = await path()
    const last = blocks[blocks.length - 1]
    const flipped = last.bytes.slice()
    flipped[flipped.length - 1] ^= 1
    const corrupt = [...blocks.slice(0, -1), { cid: last.cid, bytes: flipped }]
    await assert.rejects(verifyHamtProof(encodeProofCar(root, corrupt), key), { name: 'InvalidProofError', reason: 'corrupt_block' })
  })

  it('a different root than the verifier expects, or several roots', async () => {
    const { root, blocks, key } = await path()
    const car = encodeProofCar(root, blocks)
    await assert.rejects(verifyHamtProof(car, key, { root: HAMT_EMPTY_ROOT }), { name: 'InvalidProofError', reason: 'root_mismatch' })
    const { createWriter, headerLength, blockLength } = await import('@ipld/car/buffer-writer')
    const roots = [root, HAMT_EMPTY_ROOT]
    const size = headerLength({ roots }) + blocks.reduce((n, b) => n + blockLength(b), 0)
    const writer = createWriter(new ArrayBuffer(size), { roots })
    for (const block of blocks) writer.write(block)
    await assert.rejects(verifyHamtProof(writer.close(), key), { name: 'InvalidProofError', reason: 'wrong_roots' })
  })

  it('a proof of another key does not prove this one', async () => {
    const { root, blocks } = await path()
    const car = encodeProofCar(root, blocks)
    const other = seqKey(17)
    await assert.rejects(verifyHamtProof(car, other), (err: Error & { reason?: string }) => {
      return err.name === 'InvalidProofError' && ['missing_block', 'extra_block'].includes(err.reason ?? '')
    })
  })

  it('bytes that are not a CAR, or too many of them', async () => {
    await assert.rejects(verifyHamtProof(new Uint8Array([0xff, 0xff, 0xff]), seqKey(1)), { name: 'InvalidProofError', reason: 'malformed_car' })
    await assert.rejects(verifyHamtProof(new Uint8Array([]), seqKey(1)), { name: 'InvalidProofError', reason: 'malformed_car' })
    const { root, blocks, key } = await path()
    const car = encodeProofCar(root, blocks)
    await assert.rejects(verifyHamtProof(car.subarray(0, car.length - 3), key), { name: 'InvalidProofError', reason: 'malformed_car' })
    await assert.rejects(verifyHamtProof(car, key, { maxProofBytes: 100 }), { name: 'InvalidProofError', reason: 'too_large' })
  })

  it('a well-hashed block that is not a well-formed node', async () => {
    const store = new CountingStore()
    const bad = await putNode(store, [new Uint8Array([1]), [[[bytes('b'), 1], [bytes('a'), 2]]]])
    const car = encodeProofCar(bad, [{ cid: bad, bytes: await store.get(bad) as Uint8Array }])
    await assert.rejects(verifyHamtProof(car, bytes('a')), { name: 'MalformedHamtNodeError', reason: 'unsorted_bucket' })
  })
})
