/**
 * HAMT inclusion and exclusion proofs as CARv1: roots = [HAMT root], then the blocks of the lookup
 * path, root first, nothing else. Verification hashes every block, starts at the root and replays
 * the lookup from those blocks alone, so a proof can say "found", "bit unset" or "bucket without
 * key" and nothing it does not contain. Missing, extra, out-of-order or corrupt blocks and a
 * different root are InvalidProofError; a block that is not a well-formed node is
 * MalformedHamtNodeError.
 */
import { blockLength, createWriter, headerLength } from '@ipld/car/buffer-writer'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { verifyBlock } from '../block.js'
import { decodeDagCborBounded } from '../dag-cbor-bounded.js'
import { InvalidProofError } from '../errors.js'
import { decodeNode } from './node-reader.js'
import { hashKey, maxLevels, slotIndex } from './key-hash.js'
import { loadNode } from './load.js'
import { findInBucket, isBucket } from './node.js'
import { resolveHamtOptions } from './types.js'
import { entryValue } from './value.js'
import type { HamtNode } from './node.js'
import type { BlockStore, HamtConfig, HamtOptions } from './types.js'

/** Why a lookup ended without the key: its slot is empty, or its bucket lacks the key. */
export type HamtAbsenceReason = 'bit_unset' | 'bucket_without_key'

/** What a proof shows about a key under `root`. */
export interface HamtProofResult {
  root: CID
  found: boolean
  value?: unknown
  reason?: HamtAbsenceReason
}

/** One block of a proof. */
export interface ProofBlock {
  readonly cid: CID
  readonly bytes: Uint8Array
}

/** Options of `verifyHamtProof`: the HAMT options, the root the verifier expects, a size bound. */
export interface VerifyHamtProofOptions extends HamtOptions {
  /** Reject a proof for any other root. */
  root?: CID
  /** Largest accepted CAR. @default DEFAULT_MAX_PROOF_BYTES */
  maxProofBytes?: number
}

/** 4 MiB, go-graphsync's message limit and the largest frame any of our protocols carries. */
export const DEFAULT_MAX_PROOF_BYTES = 4 * 1024 * 1024
/** A CARv1 header with one CIDv1 root is under 100 bytes; anything near this is not ours. */
const MAX_CAR_HEADER_BYTES = 1024

type Step = { next: CID } | Omit<HamtProofResult, 'root'>

/** The lookup path of `key` from the store, root first, and what it shows. */
export async function hamtPathBlocks (store: BlockStore, root: CID, key: Uint8Array, options: HamtOptions = {}): Promise<{ blocks: ProofBlock[], result: HamtProofResult }> {
  const config = resolveHamtOptions(options)
  const hash = hashKey(key, config.hashAlg)
  const blocks: ProofBlock[] = []
  let cid = root
  for (let depth = 0; ; depth++) {
    const { node, bytes } = await loadNode(store, cid, config, depth === 0)
    blocks.push({ cid, bytes })
    const step = lookupStep(node, hash, depth, key, config)
    if ('next' in step) {
      cid = step.next
      continue
    }
    return { blocks, result: { root, ...step } }
  }
}

/** Builds the CARv1 proof of `key` (present or absent) under `root`. */
export async function proveHamtKey (store: BlockStore, root: CID, key: Uint8Array, options: HamtOptions = {}): Promise<Uint8Array> {
  const { blocks } = await hamtPathBlocks(store, root, key, options)
  return encodeProofCar(root, blocks)
}

/** CARv1 bytes with one root and the given blocks in order. */
export function encodeProofCar (root: CID, blocks: readonly ProofBlock[]): Uint8Array {
  let size = headerLength({ roots: [root] })
  for (const block of blocks) size += blockLength(block)
  const writer = createWriter(new ArrayBuffer(size), { roots: [root] })
  for (const block of blocks) writer.write(block)
  return writer.close()
}

/** Verifies a CARv1 proof for `key` and returns what it shows. */
export async function verifyHamtProof (car: Uint8Array, key: Uint8Array, options: VerifyHamtProofOptions = {}): Promise<HamtProofResult> {
  const config = resolveHamtOptions(options)
  const maxBytes = options.maxProofBytes ?? DEFAULT_MAX_PROOF_BYTES
  if (!(car instanceof Uint8Array)) throw new InvalidProofError('malformed_car', 'invalid proof: not bytes')
  if (car.length > maxBytes) throw new InvalidProofError('too_large', `invalid proof: ${car.length} bytes exceeds ${maxBytes}`)
  const { root, blocks } = readProofCar(car, maxLevels(config.bitWidth))
  if (options.root !== undefined && !sameCid(options.root, root)) {
    throw new InvalidProofError('root_mismatch', `invalid proof: root ${root.toString()} is not ${options.root.toString()}`)
  }
  return verifyHamtPath(root, blocks, key, config)
}

/** Replays the lookup of `key` over `blocks` (the path, root first); every block must be used. */
export function verifyHamtPath (root: CID, blocks: readonly ProofBlock[], key: Uint8Array, options: HamtOptions = {}): HamtProofResult {
  const config = resolveHamtOptions(options)
  for (const block of blocks) {
    try {
      verifyBlock(block.cid, block.bytes)
    } catch (err: unknown) {
      throw new InvalidProofError('corrupt_block', `invalid proof: block ${block.cid.toString()}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  const hash = hashKey(key, config.hashAlg)
  let expected = root
  for (let depth = 0; ; depth++) {
    const block = blocks[depth]
    if (block === undefined || !block.cid.equals(expected)) {
      const elsewhere = blocks.some((b) => b.cid.equals(expected))
      throw new InvalidProofError(elsewhere ? 'out_of_order' : 'missing_block', `invalid proof: block ${expected.toString()} needed at depth ${depth} ${elsewhere ? 'is out of order' : 'is missing'}`)
    }
    const node = decodeNode(block.cid, block.bytes, config, depth === 0, true)
    const step = lookupStep(node, hash, depth, key, config)
    if ('next' in step) {
      expected = step.next
      continue
    }
    if (blocks.length > depth + 1) {
      throw new InvalidProofError('extra_block', `invalid proof: ${blocks.length - depth - 1} blocks beyond the lookup path`)
    }
    return { root, ...step }
  }
}

// CID#equals is a type predicate; negating it would narrow the operands to never
function sameCid (a: CID, b: CID): boolean {
  return a.equals(b)
}

/** One level of a lookup over a decoded node. */
function lookupStep (node: HamtNode, hash: Uint8Array, depth: number, key: Uint8Array, config: HamtConfig): Step {
  const slot = node.slots[slotIndex(hash, depth, config.bitWidth)]
  if (slot === undefined) return { found: false, reason: 'bit_unset' }
  if (isBucket(slot)) {
    const i = findInBucket(slot, key)
    return i < 0 ? { found: false, reason: 'bucket_without_key' } : { found: true, value: entryValue(slot[i]) }
  }
  // decoded nodes always carry the CID of each link
  return { next: slot.cid as CID }
}

/**
 * Parses a CARv1 with one root and at most `maxBlocks` blocks, synchronously: varint-framed
 * sections, a header pre-scanned with tight limits, each block's CID read from its section.
 */
function readProofCar (car: Uint8Array, maxBlocks: number): { root: CID, blocks: ProofBlock[] } {
  let roots: CID[]
  const blocks: ProofBlock[] = []
  try {
    const [headerBytes, start] = varint.decode(car)
    if (headerBytes > MAX_CAR_HEADER_BYTES || start + headerBytes > car.length) throw new Error('bad header length')
    roots = headerRoots(decodeDagCborBounded(car.subarray(start, start + headerBytes), { maxBytes: MAX_CAR_HEADER_BYTES, maxDepth: 3, maxItems: 16 }))
    let pos = start + headerBytes
    while (pos < car.length && blocks.length <= maxBlocks) {
      const [length, width] = varint.decode(car, pos)
      pos += width
      if (length === 0 || pos + length > car.length) throw new Error('truncated block section')
      const [cid, bytes] = CID.decodeFirst(car.subarray(pos, pos + length))
      blocks.push({ cid, bytes })
      pos += length
    }
  } catch (err: unknown) {
    throw new InvalidProofError('malformed_car', `invalid proof: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (roots.length !== 1) throw new InvalidProofError('wrong_roots', `invalid proof: ${roots.length} roots, expected 1`)
  if (blocks.length > maxBlocks) throw new InvalidProofError('extra_block', `invalid proof: more blocks than a path of ${maxBlocks} levels`)
  return { root: roots[0], blocks }
}

/** The roots of a CARv1 header `{version: 1, roots: [CID…]}`. */
function headerRoots (header: unknown): CID[] {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('CAR header is not a map')
  const { version, roots } = header as { version?: unknown, roots?: unknown }
  if (version !== 1) throw new Error(`CAR version ${String(version)}, not 1`)
  if (!Array.isArray(roots) || roots.some((root) => CID.asCID(root) === null)) throw new Error('CAR roots are not CIDs')
  return roots as CID[]
}
