/**
 * Blocks: bytes checked against their CID, then decoded by codec with size and shape limits.
 * Supported multihashes: sha2-256, blake2b-256, identity. Supported codecs: dag-cbor, dag-json,
 * raw, and dag-pb (read-only). Anything else is a typed error, never a guess.
 */
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { Tokenizer as JsonTokenizer } from 'cborg/json'
import { Type } from 'cborg'
import { equals } from 'multiformats/bytes'
import { decodeDagCborBounded, DEFAULT_CBOR_LIMITS } from './dag-cbor-bounded.js'
import { BlockHashMismatchError, BlockTooLargeError, MalformedMessageError, UnsupportedCodecError } from './errors.js'
import { hasherFor } from './hashes.js'
import type { CborLimits } from './dag-cbor-bounded.js'
import type { CID } from 'multiformats/cid'

/** Multicodec code of dag-cbor. */
export const DAG_CBOR_CODE = 0x71
/** Multicodec code of dag-json. */
export const DAG_JSON_CODE = 0x0129
/** Multicodec code of raw bytes. */
export const RAW_CODE = 0x55
/** Multicodec code of dag-pb (UnixFS). */
export const DAG_PB_CODE = 0x70

const SUPPORTED_CODECS = new Set([DAG_CBOR_CODE, DAG_JSON_CODE, RAW_CODE, DAG_PB_CODE])

/**
 * Largest block accepted anywhere unless a caller sets less: 2 MiB, the hard block limit of the
 * IPFS/bitswap world (TAU attachment pieces are 256 KiB).
 */
export const DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** A block whose bytes are known to hash to its CID. */
export interface VerifiedBlock {
  readonly cid: CID
  readonly bytes: Uint8Array
}

/** Options of `verifyBlock` and `decodeBlock`. */
export interface BlockLimits extends Partial<CborLimits> {
  /** Largest accepted block, in bytes. @default DEFAULT_MAX_BLOCK_BYTES */
  maxBlockBytes?: number
}

/** Checks that the CID's codec and hash are supported and that `bytes` hash to it. */
export function verifyBlock (cid: CID, bytes: Uint8Array, limits: BlockLimits = {}): VerifiedBlock {
  const maxBlockBytes = limits.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  if (bytes.length > maxBlockBytes) throw new BlockTooLargeError(bytes.length, maxBlockBytes)
  if (!SUPPORTED_CODECS.has(cid.code)) throw new UnsupportedCodecError(cid.code)
  const digest = hasherFor(cid.multihash.code).digest(bytes)
  if (!equals(digest.bytes, cid.multihash.bytes)) throw new BlockHashMismatchError(cid.toString())
  return { cid, bytes }
}

/** Decodes a block's bytes by its CID's codec, with limits; raw blocks decode to their bytes. */
export function decodeBlock (cid: CID, bytes: Uint8Array, limits: BlockLimits = {}): unknown {
  const maxBlockBytes = limits.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  if (bytes.length > maxBlockBytes) throw new BlockTooLargeError(bytes.length, maxBlockBytes)
  switch (cid.code) {
    case DAG_CBOR_CODE:
      return decodeDagCborBounded(bytes, { ...limits, maxBytes: maxBlockBytes })
    case RAW_CODE:
      return bytes
    case DAG_JSON_CODE:
      scanDagJson(bytes, limits)
      return wrapDecode(() => dagJson.decode(bytes), 'dag-json')
    case DAG_PB_CODE:
      return wrapDecode(() => dagPb.decode(bytes), 'dag-pb')
    default:
      throw new UnsupportedCodecError(cid.code)
  }
}

/** Verifies then decodes: the one call for a block that arrived from outside. */
export function verifyAndDecodeBlock (cid: CID, bytes: Uint8Array, limits: BlockLimits = {}): unknown {
  verifyBlock(cid, bytes, limits)
  return decodeBlock(cid, bytes, limits)
}

/** Depth and item bounds for JSON before the recursive dag-json decoder sees it. */
function scanDagJson (bytes: Uint8Array, limits: Partial<CborLimits>): void {
  const maxDepth = limits.maxDepth ?? DEFAULT_CBOR_LIMITS.maxDepth
  const maxItems = limits.maxItems ?? DEFAULT_CBOR_LIMITS.maxItems
  const tokenizer = new JsonTokenizer(bytes, {})
  let depth = 0
  let items = 0
  while (!tokenizer.done()) {
    const token = wrapDecode(() => tokenizer.next(), 'dag-json')
    if (++items > maxItems) throw new MalformedMessageError('', `more than ${maxItems} items`)
    if (token.type === Type.array || token.type === Type.map) {
      if (++depth > maxDepth) throw new MalformedMessageError('', `nesting deeper than ${maxDepth}`)
    } else if (token.type === Type.break) {
      depth--
    }
  }
}

function wrapDecode<T> (fn: () => T, codec: string): T {
  try {
    return fn()
  } catch (err: unknown) {
    if (err instanceof MalformedMessageError) throw err
    throw new MalformedMessageError('', `invalid ${codec}: ${err instanceof Error ? err.message : String(err)}`)
  }
}
