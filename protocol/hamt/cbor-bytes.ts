/**
 * Low-level CBOR for HAMT nodes: writing minimal-length heads, and a cursor that walks bytes the
 * bounded scanner (`scanDagCbor`) has already accepted (definite lengths in bounds, shortest
 * forms, only tag 42 around bytes, depth within its limit), so it reads heads without checks.
 */
import { cidFromBytes, isCidBytes } from './cid-bytes.js'
import type { CID } from 'multiformats/cid'

/** CBOR major types used by HAMT nodes. */
export const MAJOR_BYTES = 2
export const MAJOR_ARRAY = 4
export const MAJOR_MAP = 5
export const MAJOR_TAG = 6

/** Bytes taken by a CBOR head carrying `n` (shortest form, as DAG-CBOR requires). */
export function headerLength (n: number): number {
  if (n < 24) return 1
  if (n < 0x100) return 2
  if (n < 0x10000) return 3
  return 5
}

/** Writes the shortest CBOR head of `major` type carrying `n`; returns the next position. */
export function writeHeader (out: Uint8Array, pos: number, major: number, n: number): number {
  const m = major << 5
  if (n < 24) {
    out[pos] = m | n
    return pos + 1
  }
  if (n < 0x100) {
    out[pos] = m | 24
    out[pos + 1] = n
    return pos + 2
  }
  if (n < 0x10000) {
    out[pos] = m | 25
    out[pos + 1] = n >> 8
    out[pos + 2] = n & 0xff
    return pos + 3
  }
  out[pos] = m | 26
  out[pos + 1] = n >>> 24
  out[pos + 2] = (n >> 16) & 0xff
  out[pos + 3] = (n >> 8) & 0xff
  out[pos + 4] = n & 0xff
  return pos + 5
}

/**
 * A read position in scanned CBOR. `head()` reads the head at `pos` into `major`/`value` and moves
 * `pos` past it; fields instead of a returned object keep the walk of a node allocation-free.
 */
export class CborCursor {
  readonly bytes: Uint8Array
  pos: number
  major = 0
  /** The head's argument: a length, a count, a tag number or an integer's magnitude. */
  value = 0

  constructor (bytes: Uint8Array, pos = 0) {
    this.bytes = bytes
    this.pos = pos
  }

  /** Reads the head at `pos`; returns its major type. */
  head (): number {
    const bytes = this.bytes
    const initial = bytes[this.pos]
    this.major = initial >> 5
    const info = initial & 31
    if (info < 24) {
      this.value = info
      this.pos += 1
      return this.major
    }
    const width = 1 << (info - 24) // 1, 2, 4 or 8 bytes follow
    let value = 0
    for (let k = 1; k <= width; k++) value = value * 256 + bytes[this.pos + k]
    this.value = value
    this.pos += 1 + width
    return this.major
  }

  /**
   * Skips one item. Every tag-42 payload on the way must be what @ipld/dag-cbor's decoder accepts
   * as a CID (a 0x00 byte, then a CID and nothing else); the first that is not is returned as the
   * reason, else undefined. The scanner does not look inside byte strings, the decoder did.
   */
  skip (): string | undefined {
    const major = this.head()
    switch (major) {
      case MAJOR_BYTES:
      case 3:
        this.pos += this.value
        return undefined
      case MAJOR_ARRAY:
      case MAJOR_MAP: {
        const items = major === MAJOR_MAP ? 2 * this.value : this.value
        for (let k = 0; k < items; k++) {
          const bad = this.skip()
          if (bad !== undefined) return bad
        }
        return undefined
      }
      case MAJOR_TAG: {
        this.head() // the scanner only lets tag 42 around bytes through
        const start = this.pos
        this.pos += this.value
        return cidProblem(this.bytes, start, this.pos)
      }
      default:
        // integers, and floats/simple values whose payload `head` already consumed
        return undefined
    }
  }
}

/** The CID in a tag-42 payload `bytes[start, end)` (on bytes of its own), or why @ipld/dag-cbor would reject it. */
export function cidInPayload (bytes: Uint8Array, start: number, end: number): CID | string {
  const problem = prefixProblem(bytes, start, end)
  if (problem !== undefined) return problem
  return cidFromBytes(bytes, start + 1, end) ?? INVALID_CID
}

function cidProblem (bytes: Uint8Array, start: number, end: number): string | undefined {
  return prefixProblem(bytes, start, end) ?? (isCidBytes(bytes, start + 1, end) ? undefined : INVALID_CID)
}

const INVALID_CID = 'invalid CID in tag 42'

function prefixProblem (bytes: Uint8Array, start: number, end: number): string | undefined {
  return end <= start || bytes[start] !== 0 ? 'Invalid CID for CBOR tag 42; expected leading 0x00' : undefined
}
