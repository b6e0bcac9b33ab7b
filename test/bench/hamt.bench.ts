/**
 * HAMT bench (issue 3): inserts/s and gets/s in memory (1M 8-byte big-endian seq keys, values
 * shaped like transfer records), flush of 1,000 changes into classic-level, proof build/verify
 * times, blake2b's share of a flush, and ipld-hashmap (IPLD HashMap via iamap, same bitWidth 5 /
 * bucketSize 3, in memory) on the same keys. Run alone: node dist/test/bench/hamt.bench.js
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as dagCbor from '@ipld/dag-cbor'
import { blake2b as nobleBlake2b } from '@noble/hashes/blake2.js'
import { ClassicLevel } from 'classic-level'
import { create as createHashMap } from 'ipld-hashmap'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { blake2b256 } from '../../protocol/hashes.js'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { proveHamtKey, verifyHamtProof } from '../../protocol/hamt/proof.js'
import { collectGarbage, percentile, round, writeBenchResult } from './bench-results.js'
import type { BlockStore } from '../../protocol/hamt/types.js'

/** Knobs of one run; defaults are the sizes. */
export interface HamtBenchInit {
  keys?: number
  peerKeys?: number
  flushRounds?: number
  changesPerFlush?: number
  proofs?: number
}

const SOME_CID = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')

function seqKey (seq: number): Uint8Array {
  const key = new Uint8Array(8)
  new DataView(key.buffer).setBigUint64(0, BigInt(seq))
  return key
}

/** A value with the fields and sizes of DESIGN.md §5.4's TransferRecord (~250 bytes encoded). */
function record (seq: number): unknown {
  return {
    seq,
    requestId: new Uint8Array(16).fill(seq & 0xff),
    payer: new Uint8Array(20).fill(1),
    peer: new Uint8Array(38).fill(2),
    root: SOME_CID,
    selector: SOME_CID,
    blocks: 100 + (seq % 50),
    bytes: 26_214_400 + seq,
    freeBytes: 0,
    charge: 123_456_789 + seq,
    status: 'completed',
    startMs: 1_700_000_000_000 + seq,
    endMs: 1_700_000_001_000 + seq
  }
}

/** Keys and values made before any timing starts, so the clock sees the map alone. */
function dataset (count: number): { keys: Uint8Array[], values: unknown[] } {
  const keys: Uint8Array[] = []
  const values: unknown[] = []
  for (let i = 0; i < count; i++) {
    keys.push(seqKey(i))
    values.push(record(i))
  }
  return { keys, values }
}

/** classic-level as a BlockStore; puts made in one tick are coalesced into one batch. */
class LevelBlockStore implements BlockStore {
  private pending: Array<{ type: 'put', key: Uint8Array, value: Uint8Array }> = []
  private written: Promise<void> | undefined
  /** Time spent inside db.batch(), in ms. */
  batchMs = 0

  constructor (private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  async get (cid: CID): Promise<Uint8Array | undefined> {
    const value = await this.db.get(cid.bytes)
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }

  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    this.pending.push({ type: 'put', key: cid.bytes, value: bytes })
    this.written ??= Promise.resolve().then(async () => {
      const ops = this.pending
      this.pending = []
      this.written = undefined
      const t0 = performance.now()
      await this.db.batch(ops)
      this.batchMs += performance.now() - t0
    })
    await this.written
  }
}

/** Wraps a store to keep the blocks of the last flush, for the hashing share. */
class RecordingStore implements BlockStore {
  blocks: Uint8Array[] = []
  constructor (private readonly inner: BlockStore) {}
  async get (cid: CID): Promise<Uint8Array | undefined> { return this.inner.get(cid) }
  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    this.blocks.push(bytes)
    await this.inner.put(cid, bytes)
  }
}

const perSecond = (count: number, ms: number): number => Math.round(count / (ms / 1000))

/** Sets and gets touch memory only: the store is used by `flush()` alone. */
async function oursInMemory (count: number, store: BlockStore = new MemoryBlockStore()): Promise<{ hamt: Hamt, insertsPerSecond: number, getsPerSecond: number }> {
  const hamt = await Hamt.create(store, { bitWidth: 5, bucketSize: 3 })
  const { keys, values } = dataset(count)
  collectGarbage()
  let t0 = performance.now()
  for (let i = 0; i < count; i++) await hamt.set(keys[i], values[i])
  const insertsPerSecond = perSecond(count, performance.now() - t0)
  t0 = performance.now()
  for (let i = 0; i < count; i++) await hamt.get(keys[(i * 7919) % count])
  return { hamt, insertsPerSecond, getsPerSecond: perSecond(count, performance.now() - t0) }
}

async function ipldHashMapInMemory (count: number): Promise<{ insertsPerSecond: number, getsPerSecond: number }> {
  const blocks = new Map<string, Uint8Array>()
  const loader = {
    get: async (cid: CID) => blocks.get(cid.toString()) as Uint8Array,
    put: async (cid: CID, bytes: Uint8Array) => { blocks.set(cid.toString(), bytes) }
  }
  const map = await createHashMap(loader, { bitWidth: 5, bucketSize: 3, blockHasher: blake2b256, hasher: sha256, blockCodec: dagCbor })
  const { keys, values } = dataset(count)
  collectGarbage()
  let t0 = performance.now()
  for (let i = 0; i < count; i++) await map.set(keys[i], values[i])
  const insertsPerSecond = perSecond(count, performance.now() - t0)
  t0 = performance.now()
  for (let i = 0; i < count; i++) await map.get(keys[(i * 7919) % count])
  return { insertsPerSecond, getsPerSecond: perSecond(count, performance.now() - t0) }
}

/** Time to hash `blocks` with hash-wasm's and with noble's blake2b-256, in ms. */
function hashingMs (blocks: readonly Uint8Array[]): { hashWasmMs: number, nobleMs: number, bytes: number } {
  let t0 = performance.now()
  for (const block of blocks) blake2b256.digest(block)
  const hashWasmMs = performance.now() - t0
  t0 = performance.now()
  for (const block of blocks) nobleBlake2b(block, { dkLen: 32 })
  return { hashWasmMs, nobleMs: performance.now() - t0, bytes: blocks.reduce((n, b) => n + b.length, 0) }
}

/** Runs every measurement; returns the results object (also printed as a table). */
export async function run (init: HamtBenchInit = {}): Promise<object> {
  const keys = init.keys ?? 1_000_000
  // ipld-hashmap writes blocks on every set: ~800-4,600 sets/s here, so 100k alone took 2 min
  const peerKeys = init.peerKeys ?? 20_000
  const rounds = init.flushRounds ?? 7
  const changes = init.changesPerFlush ?? 1000
  const proofs = init.proofs ?? 1000

  const dir = await mkdtemp(join(tmpdir(), 'tau-hamt-bench-'))
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const level = new LevelBlockStore(db)
  const recording = new RecordingStore(level)
  try {
    const ours = await oursInMemory(keys, recording)
    // the whole map into LevelDB once (setup, reported); then a fresh map that loads lazily
    let t0 = performance.now()
    let root = await ours.hamt.flush()
    const fullFlushMs = performance.now() - t0
    const fullBlocks = recording.blocks.length
    ours.hamt = undefined as unknown as Hamt // let the 1M-entry map go: the log reloads lazily
    collectGarbage()

    const hamt = await Hamt.load(recording, root)
    const flushMs: number[] = []
    const setMs: number[] = []
    const flushBlocks: number[] = []
    const levelBatchMs: number[] = []
    let last = { hashWasmMs: 0, nobleMs: 0, bytes: 0 }
    let next = keys
    for (let r = 0; r < rounds; r++) {
      t0 = performance.now()
      for (let i = 0; i < changes; i++) await hamt.set(seqKey(next), record(next++))
      setMs.push(performance.now() - t0)
      recording.blocks = []
      level.batchMs = 0
      t0 = performance.now()
      root = await hamt.flush()
      flushMs.push(performance.now() - t0)
      levelBatchMs.push(level.batchMs)
      flushBlocks.push(recording.blocks.length)
      last = hashingMs(recording.blocks)
    }

    const proveUs: number[] = []
    const verifyUs: number[] = []
    let proofBytes = 0
    for (let i = 0; i < proofs; i++) {
      const key = seqKey((i * 104_729) % next)
      t0 = performance.now()
      const car = await proveHamtKey(level, root, key)
      proveUs.push((performance.now() - t0) * 1000)
      proofBytes += car.length
      t0 = performance.now()
      const result = await verifyHamtProof(car, key, { root })
      verifyUs.push((performance.now() - t0) * 1000)
      if (!result.found) throw new Error('bench: proof did not find its key')
    }

    collectGarbage()
    const oursSmall = await oursInMemory(peerKeys)
    collectGarbage()
    const peer = await ipldHashMapInMemory(peerKeys)

    const result = {
      machine: '2 cores, Node ' + process.version,
      options: { bitWidth: 5, bucketSize: 3, hashAlg: 'sha2-256' },
      inMemory: { keys, insertsPerSecond: ours.insertsPerSecond, getsPerSecond: ours.getsPerSecond },
      fullFlushIntoLevel: { keys, blocks: fullBlocks, ms: round(fullFlushMs) },
      flushOfChangesIntoLevel: {
        changesPerFlush: changes,
        rounds,
        msMedian: round(percentile(flushMs, 50)),
        msMax: round(Math.max(...flushMs)),
        msEach: flushMs.map((ms) => round(ms)),
        setsMsEach: setMs.map((ms) => round(ms)),
        // the sets of a round each append one new key to a mostly cold leaf (it is loaded first)
        coldSetUsMedian: round(percentile(setMs, 50) * 1000 / changes),
        levelBatchMsEach: levelBatchMs.map((ms) => round(ms)),
        blocksEach: flushBlocks,
        lastFlushHashing: { bytes: last.bytes, hashWasmMs: round(last.hashWasmMs), nobleBlake2bMs: round(last.nobleMs) }
      },
      proofs: {
        count: proofs,
        meanBytes: Math.round(proofBytes / proofs),
        buildUsP50: round(percentile(proveUs, 50)),
        buildUsP99: round(percentile(proveUs, 99)),
        verifyUsP50: round(percentile(verifyUs, 50)),
        verifyUsP99: round(percentile(verifyUs, 99))
      },
      sideBySide: {
        keys: peerKeys,
        ours: { insertsPerSecond: oursSmall.insertsPerSecond, getsPerSecond: oursSmall.getsPerSecond },
        ipldHashMap: peer
      },
      targets: {
        insertsPerSecondAtLeast150k: ours.insertsPerSecond >= 150_000,
        flushOf1000AtMost100msMedian: percentile(flushMs, 50) <= 100,
        proofVerifyP99AtMost1ms: percentile(verifyUs, 99) <= 1000
      }
    }
    print(result)
    return result
  } finally {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

function print (result: ReturnType<typeof JSON.parse>): void {
  console.log('HAMT bench (%s)', result.machine)
  console.table({
    [`ours, ${String(result.inMemory.keys)} keys`]: { 'inserts/s': result.inMemory.insertsPerSecond, 'gets/s': result.inMemory.getsPerSecond },
    [`ours, ${String(result.sideBySide.keys)} keys`]: { 'inserts/s': result.sideBySide.ours.insertsPerSecond, 'gets/s': result.sideBySide.ours.getsPerSecond },
    [`ipld-hashmap, ${String(result.sideBySide.keys)} keys`]: { 'inserts/s': result.sideBySide.ipldHashMap.insertsPerSecond, 'gets/s': result.sideBySide.ipldHashMap.getsPerSecond }
  })
  console.log('flush of %d changes into classic-level: median %d ms, max %d ms (each: %s)', result.flushOfChangesIntoLevel.changesPerFlush,
    result.flushOfChangesIntoLevel.msMedian, result.flushOfChangesIntoLevel.msMax, result.flushOfChangesIntoLevel.msEach.join(', '))
  console.log('cold appends (load the leaf, then set): median %d µs per set', result.flushOfChangesIntoLevel.coldSetUsMedian)
  console.log('proofs: build p50 %d µs p99 %d µs; verify p50 %d µs p99 %d µs; %d bytes', result.proofs.buildUsP50, result.proofs.buildUsP99,
    result.proofs.verifyUsP50, result.proofs.verifyUsP99, result.proofs.meanBytes)
  console.log('targets:', result.targets)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = await writeBenchResult('hamt', await run())
  console.log('wrote %s', path)
}
