/**
 * Shared shapes of the HAMT: the injected block store, the options and their defaults, and the
 * root of the empty map. Format: Filecoin HAMT v3 (go-hamt-ipld v3, ref-fvm fvm_ipld_hamt).
 */
import { CID } from 'multiformats/cid'
import { InvalidHamtOptionsError } from '../errors.js'

/** Where HAMT blocks live; the HAMT never touches storage itself (iamap's pattern). */
export interface BlockStore {
  /** The bytes stored under `cid`, or undefined when this store does not hold them. */
  get: (cid: CID) => Promise<Uint8Array | undefined>
  /** Stores `bytes` under `cid`; the caller guarantees that they hash to it. */
  put: (cid: CID, bytes: Uint8Array) => Promise<void>
}

/** How keys are hashed into slot indexes. */
export type HamtHashAlg = 'sha2-256' | 'identity'

/** Options of a HAMT; readers must use the options the writer used. */
export interface HamtOptions {
  /** Bits of the key hash consumed per level (slots per node = 2^bitWidth). @default 5 */
  bitWidth?: number
  /** Entries a bucket holds before it is pushed down into a child node. @default 3 */
  bucketSize?: number
  /** Key hash; 'identity' is the key right-padded with zeros to 32 bytes. @default 'sha2-256' */
  hashAlg?: HamtHashAlg
}

/** Options with every default resolved. */
export interface HamtConfig {
  readonly bitWidth: number
  readonly bucketSize: number
  readonly hashAlg: HamtHashAlg
}

/** Filecoin actors use bitWidth 5 (builtin-actors' HAMT_BIT_WIDTH). */
export const DEFAULT_HAMT_BIT_WIDTH = 5
/** go-hamt-ipld v3's bucketSize constant and ref-fvm's default max_array_width. */
export const DEFAULT_HAMT_BUCKET_SIZE = 3
/** go-hamt-ipld v3 and ref-fvm both hash keys with sha2-256 by default. */
export const DEFAULT_HAMT_HASH_ALG: HamtHashAlg = 'sha2-256'
/** go-hamt-ipld and ref-fvm read at most 8 bits of the hash per level (256 slots, 32-byte bitfield). */
export const MAX_HAMT_BIT_WIDTH = 8
/** go-hamt-ipld v3 refuses a bucket array longer than 32 when decoding a pointer. */
export const MAX_HAMT_BUCKET_SIZE = 32
/** Both supported key hashes are 32 bytes wide. */
export const HAMT_HASH_BYTES = 32

/** The root of an empty HAMT: the block `824080` (`[h'', []]`), CIDv1 dag-cbor blake2b-256. */
export const HAMT_EMPTY_ROOT: CID = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')

/** Resolves options against the defaults; out-of-range values are InvalidHamtOptionsError. */
export function resolveHamtOptions (options: HamtOptions = {}): HamtConfig {
  const bitWidth = options.bitWidth ?? DEFAULT_HAMT_BIT_WIDTH
  const bucketSize = options.bucketSize ?? DEFAULT_HAMT_BUCKET_SIZE
  const hashAlg = options.hashAlg ?? DEFAULT_HAMT_HASH_ALG
  if (!Number.isInteger(bitWidth) || bitWidth < 1 || bitWidth > MAX_HAMT_BIT_WIDTH) {
    throw new InvalidHamtOptionsError('bitWidth', `bitWidth must be an integer in 1..${MAX_HAMT_BIT_WIDTH}`)
  }
  if (!Number.isInteger(bucketSize) || bucketSize < 1 || bucketSize > MAX_HAMT_BUCKET_SIZE) {
    throw new InvalidHamtOptionsError('bucketSize', `bucketSize must be an integer in 1..${MAX_HAMT_BUCKET_SIZE}`)
  }
  if (hashAlg !== 'sha2-256' && hashAlg !== 'identity') {
    throw new InvalidHamtOptionsError('hashAlg', "hashAlg must be 'sha2-256' or 'identity'")
  }
  return { bitWidth, bucketSize, hashAlg }
}
