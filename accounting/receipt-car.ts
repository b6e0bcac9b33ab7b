/**
 * Reads a receipt proof CAR (CARv1: one root, the signed log head first, then HAMT path blocks)
 * synchronously and with bounds: a size cap, a header pre-scanned by the bounded DAG-CBOR reader,
 * at most one head plus one block per HAMT level. Every block is hashed against its CID here.
 */
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { verifyBlock } from '../protocol/block.js'
import { decodeDagCborBounded } from '../protocol/dag-cbor-bounded.js'
import { DEFAULT_MAX_PROOF_BYTES } from '../protocol/hamt/proof.js'
import { InvalidReceiptError } from './errors.js'
import type { ProofBlock } from '../protocol/hamt/proof.js'

/** A CARv1 header with one CIDv1 root is under 100 bytes. */
const MAX_CAR_HEADER_BYTES = 1024

/** A parsed receipt CAR. */
export interface ReceiptCar {
  root: CID
  blocks: ProofBlock[]
}

/** Parses and hash-checks a receipt CAR of at most `maxBlocks` blocks and `maxBytes` bytes. */
export function readReceiptCar (car: Uint8Array, maxBlocks: number, maxBytes = DEFAULT_MAX_PROOF_BYTES): ReceiptCar {
  if (!(car instanceof Uint8Array)) throw new InvalidReceiptError('malformed_car', 'invalid receipt: proof is not bytes')
  if (car.length > maxBytes) throw new InvalidReceiptError('malformed_car', `invalid receipt: ${car.length} bytes exceeds ${maxBytes}`)
  let roots: unknown
  const blocks: ProofBlock[] = []
  try {
    const [headerBytes, start] = varint.decode(car)
    if (headerBytes > MAX_CAR_HEADER_BYTES || start + headerBytes > car.length) throw new Error('bad header length')
    const header = decodeDagCborBounded(car.subarray(start, start + headerBytes), { maxBytes: MAX_CAR_HEADER_BYTES, maxDepth: 3, maxItems: 16 })
    if (typeof header !== 'object' || header === null || (header as { version?: unknown }).version !== 1) throw new Error('not a CARv1 header')
    roots = (header as { roots?: unknown }).roots
    let pos = start + headerBytes
    while (pos < car.length) {
      if (blocks.length === maxBlocks) throw new Error(`more than ${maxBlocks} blocks`)
      const [length, width] = varint.decode(car, pos)
      pos += width
      if (length === 0 || pos + length > car.length) throw new Error('truncated block section')
      const [cid, bytes] = CID.decodeFirst(car.subarray(pos, pos + length))
      verifyBlock(cid, bytes)
      blocks.push({ cid, bytes })
      pos += length
    }
  } catch (err: unknown) {
    throw new InvalidReceiptError('malformed_car', `invalid receipt: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!Array.isArray(roots) || roots.length !== 1 || CID.asCID(roots[0]) === null) {
    throw new InvalidReceiptError('wrong_roots', 'invalid receipt: the CAR must have exactly one root')
  }
  return { root: roots[0] as CID, blocks }
}
