/**
 * Test helper: valid HAMT nodes and proofs to mutate (a default-options HAMT of 300 entries whose
 * values cover every IPLD kind), and the decoders a reader runs on them: the node reader (as root
 * and as child, then every value read) and the proof verifier (for a present and an absent key).
 */
import { CID } from 'multiformats/cid'
import { Hamt } from '../../protocol/hamt/hamt.js'
import { MemoryBlockStore } from '../../protocol/hamt/memory-block-store.js'
import { decodeNode } from '../../protocol/hamt/node-reader.js'
import { isBucket } from '../../protocol/hamt/node.js'
import { proveHamtKey, verifyHamtProof } from '../../protocol/hamt/proof.js'
import { resolveHamtOptions } from '../../protocol/hamt/types.js'
import { entryValue } from '../../protocol/hamt/value.js'
import { anyOf } from './typed-errors.js'

/** A store that remembers every block written, in order. */
class RecordingStore extends MemoryBlockStore {
  readonly written: Uint8Array[] = []
  override async put (cid: CID, bytes: Uint8Array): Promise<void> {
    this.written.push(bytes)
    await super.put(cid, bytes)
  }
}

const key = (n: number | string): Uint8Array => new TextEncoder().encode(`key-${n}`)
const PRESENT = key(7)
const ABSENT = key('absent')
const CONFIG = resolveHamtOptions()
/** A dag-cbor CID to name fuzzed blocks by (the reader is told their hash was checked). */
const LABEL = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')

/** Seeds and decoders of the HAMT targets. */
export interface HamtSeeds {
  nodes: Uint8Array[]
  proofs: Uint8Array[]
  decode: (bytes: Uint8Array) => Promise<void>
  verifyProof: (car: Uint8Array) => Promise<void>
}

function readNode (bytes: Uint8Array, isRoot: boolean): void {
  const node = decodeNode(LABEL, bytes, CONFIG, isRoot, true)
  for (const slot of node.slots) {
    if (slot !== undefined && isBucket(slot)) for (const entry of slot) entryValue(entry)
  }
}

/** Builds the HAMT and its proofs. */
export async function hamtSeeds (): Promise<HamtSeeds> {
  const store = new RecordingStore()
  const hamt = await Hamt.create(store)
  const values = [1, -5, 2n ** 63n, 'text', null, true, 1.5, new Uint8Array(40).fill(9), LABEL, [1, [2]], { a: { b: 'c' } }]
  for (let n = 0; n < 300; n++) await hamt.set(key(n), values[n % values.length])
  const root = await hamt.flush()
  const proofs = [await proveHamtKey(store, root, PRESENT), await proveHamtKey(store, root, ABSENT)]
  return {
    nodes: store.written,
    proofs,
    decode: async (bytes) => anyOf('HAMT node', [() => readNode(bytes, true), () => readNode(bytes, false)]),
    verifyProof: async (car) => anyOf('HAMT proof CAR', [async () => verifyHamtProof(car, PRESENT), async () => verifyHamtProof(car, ABSENT)])
  }
}
