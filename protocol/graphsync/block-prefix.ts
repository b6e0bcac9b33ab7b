/**
 * CID prefixes of graphsync blocks: a block travels as `[prefix, data]` where prefix is go-cid's
 * `Prefix.Bytes()` — uvarints of CID version, codec, multihash code and digest length, in that
 * order — and the receiver recomputes the CID by hashing the data (go-graphsync `pref.Sum(data)`).
 */
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { MalformedMessageError } from '../errors.js'
import { hasherFor, IDENTITY_CODE, SHA2_256_CODE } from '../hashes.js'

/** The parts of a CID other than its digest. */
export interface CidPrefix {
  version: 0 | 1
  codec: number
  multihashCode: number
  /** Digest length in bytes (ignored for the identity hash, whose digest is the data). */
  digestLength: number
}

/** Multicodec code of dag-pb, the only codec of a CIDv0. */
const DAG_PB_CODE = 0x70
/** A CIDv0 digest is a sha2-256 of 32 bytes. */
const CID_V0_DIGEST_BYTES = 32

/** Encodes a prefix as four uvarints: version, codec, multihash code, digest length. */
export function encodeCidPrefix (prefix: CidPrefix): Uint8Array {
  const parts = [prefix.version, prefix.codec, prefix.multihashCode, prefix.digestLength]
  const out = new Uint8Array(parts.reduce((n, part) => n + varint.encodingLength(part), 0))
  let offset = 0
  for (const part of parts) {
    varint.encodeTo(part, out, offset)
    offset += varint.encodingLength(part)
  }
  return out
}

/** The graphsync block prefix of `cid` (go-cid `cid.Prefix().Bytes()`). */
export function blockPrefix (cid: CID): Uint8Array {
  return encodeCidPrefix({
    version: cid.version,
    codec: cid.code,
    multihashCode: cid.multihash.code,
    digestLength: cid.multihash.size
  })
}

/**
 * Parses prefix bytes strictly: exactly four minimal uvarints, version 0 or 1, and a CIDv0 prefix
 * only as dag-pb + sha2-256/32. Throws MalformedMessageError naming `field`.
 */
export function parseCidPrefix (bytes: Uint8Array, field = 'prefix'): CidPrefix {
  const parts: number[] = []
  let offset = 0
  for (let i = 0; i < 4; i++) {
    let value: number
    let length: number
    try {
      [value, length] = varint.decode(bytes, offset)
    } catch (err: unknown) {
      throw new MalformedMessageError(field, `bad CID prefix varint: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (!Number.isSafeInteger(value)) throw new MalformedMessageError(field, 'CID prefix varint too large')
    parts.push(value)
    offset += length
  }
  if (offset !== bytes.length) throw new MalformedMessageError(field, 'trailing bytes after CID prefix')
  const [version, codec, multihashCode, digestLength] = parts
  if (version !== 0 && version !== 1) throw new MalformedMessageError(field, `CID version ${version}`)
  if (version === 0 && (codec !== DAG_PB_CODE || multihashCode !== SHA2_256_CODE || digestLength !== CID_V0_DIGEST_BYTES)) {
    throw new MalformedMessageError(field, 'CIDv0 prefix must be dag-pb with a 32-byte sha2-256')
  }
  return { version, codec, multihashCode, digestLength }
}

/**
 * The CID of a received block: hashes `data` with the prefix's multihash function.
 * Throws UnsupportedHashError for a hash we do not compute, MalformedMessageError (naming `field`)
 * for a bad prefix or a digest length other than the hash's own (truncated hashes are refused).
 */
export function cidFromPrefix (prefix: Uint8Array | CidPrefix, data: Uint8Array, field = 'prefix'): CID {
  const parsed = prefix instanceof Uint8Array ? parseCidPrefix(prefix, field) : prefix
  const digest = hasherFor(parsed.multihashCode).digest(data)
  // go-cid ignores the length of an identity prefix: the digest is the data itself
  if (parsed.multihashCode !== IDENTITY_CODE && digest.size !== parsed.digestLength) {
    throw new MalformedMessageError(field, `digest length ${parsed.digestLength} differs from the hash's ${digest.size}`)
  }
  return CID.create(parsed.version, parsed.codec, digest)
}
