/**
 * Whether bytes are a CID that multiformats' `CID.decode` accepts, without building it. A loaded
 * leaf holds ~60 CIDs inside its values (two per transfer record); building each one only to check
 * it took more time than scanning the whole block (CPU profile of proof building). The rules are
 * multiformats 14's (`CID.decode`, `inspectBytes`, `varint.decode`); a property test compares the
 * two on random and mutated CIDs.
 */
import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'

/** A first varint of 18 (0x12, sha2-256) marks a CIDv0: a bare multihash. */
const CIDV0_MARKER = 18
/** multiformats refuses varints longer than 9 bytes. */
const MAX_VARINT_BYTES = 9

let varintValue = 0

/** Reads an unsigned varint as multiformats does into `varintValue`; returns the next position, or -1 where it throws. */
function readVarint (bytes: Uint8Array, pos: number, end: number): number {
  let value = 0
  let shift = 0
  let at = pos
  let byte: number
  do {
    if (at >= end) return -1
    byte = bytes[at++]
    value += shift < 28 ? (byte & 0x7f) << shift : (byte & 0x7f) * 2 ** shift
    shift += 7
  } while (byte >= 0x80)
  const length = at - pos
  if (length > MAX_VARINT_BYTES) return -1
  if (length > 1 && bytes[at - 1] === 0) return -1 // not minimally encoded
  varintValue = value
  return at
}

/** Whether `bytes[start, end)` is exactly one CID that `CID.decode` accepts. */
export function isCidBytes (bytes: Uint8Array, start: number, end: number): boolean {
  return cidVersion(bytes, start, end) >= 0
}

/**
 * The CID in `bytes[start, end)` on a copy of its own, or undefined where `CID.decode` throws.
 * A CIDv1 is built on one fresh ArrayBuffer (its digest and multihash are views of it): through
 * `CID.decode` each of the ~32 links of an inner node cost three buffers and a re-encode.
 */
export function cidFromBytes (bytes: Uint8Array, start: number, end: number): CID | undefined {
  const version = cidVersion(bytes, start, end)
  if (version < 0) return undefined
  if (version === 0) return CID.decode(bytes.slice(start, end)) // a v0 link is refused by its code anyway
  const own = new Uint8Array(new ArrayBuffer(end - start))
  own.set(bytes.subarray(start, end))
  let pos = readVarint(own, 0, own.length) // version 1
  pos = readVarint(own, pos, own.length)
  const code = varintValue
  const multihashAt = pos
  pos = readVarint(own, pos, own.length)
  const hashCode = varintValue
  pos = readVarint(own, pos, own.length)
  const digest = new Digest(hashCode, varintValue, own.subarray(pos), own.subarray(multihashAt))
  return new CID(1, code, digest, own)
}

/** The version (0 or 1) of the CID in `bytes[start, end)`, or -1 where `CID.decode` throws. */
function cidVersion (bytes: Uint8Array, start: number, end: number): number {
  let pos = readVarint(bytes, start, end)
  if (pos < 0) return -1
  let version = varintValue
  if (version === CIDV0_MARKER) {
    version = 0
    pos = start
  } else {
    pos = readVarint(bytes, pos, end) // codec: any (decodeFirst ignores it for an explicit version 0)
    if (pos < 0) return -1
  }
  if (version !== 0 && version !== 1) return -1
  pos = readVarint(bytes, pos, end) // multihash code
  if (pos < 0) return -1
  pos = readVarint(bytes, pos, end) // digest length
  if (pos < 0) return -1
  return pos + varintValue === end ? version : -1
}
