/**
 * Typed errors of the pure protocol layer: one class per failure, libp2p form
 * (`static name`, default message, `this.name`), with readonly context fields.
 * Identify errors by `.name` or `instanceof`, never by message. `.code` is reserved for wire status.
 */

// ── messages and decoding ────────────────────────────────────────────────────────────────

/** A message or document that does not decode to the expected shape; `field` names where. */
export class MalformedMessageError extends Error {
  static name = 'MalformedMessageError'
  readonly field: string

  constructor (field: string, message = 'malformed message') {
    super(`${message} (at ${field === '' ? '<root>' : field})`)
    this.name = 'MalformedMessageError'
    this.field = field
  }
}

// ── relay-sync requests and policies ─────────────────────────────────────────────────────

/** A signed request whose `tsMs` lies outside ±skew of the receiver's clock. */
export class RequestExpiredError extends Error {
  static name = 'RequestExpiredError'
  readonly tsMs: number
  readonly nowMs: number
  readonly maxSkewMs: number

  constructor (tsMs: number, nowMs: number, maxSkewMs: number, message = `request time ${tsMs} is more than ${maxSkewMs} ms from ${nowMs}`) {
    super(message)
    this.name = 'RequestExpiredError'
    this.tsMs = tsMs
    this.nowMs = nowMs
    this.maxSkewMs = maxSkewMs
  }
}

/** A policy CID that is neither the current policy nor one still honoured. */
export class UnknownPolicyError extends Error {
  static name = 'UnknownPolicyError'
  readonly cid: string

  constructor (cid: string, message = `policy ${cid} is neither current nor honoured`) {
    super(message)
    this.name = 'UnknownPolicyError'
    this.cid = cid
  }
}

// ── blocks and CIDs ──────────────────────────────────────────────────────────────────────

/** A CID whose multihash function we do not verify. */
export class UnsupportedHashError extends Error {
  static name = 'UnsupportedHashError'
  readonly hashCode: number

  constructor (hashCode: number, message = `unsupported multihash 0x${hashCode.toString(16)}`) {
    super(message)
    this.name = 'UnsupportedHashError'
    this.hashCode = hashCode
  }
}

/** A CID whose codec we do not decode. */
export class UnsupportedCodecError extends Error {
  static name = 'UnsupportedCodecError'
  readonly codec: number

  constructor (codec: number, message = `unsupported codec 0x${codec.toString(16)}`) {
    super(message)
    this.name = 'UnsupportedCodecError'
    this.codec = codec
  }
}

/** Block bytes that do not hash to the CID they were offered under. */
export class BlockHashMismatchError extends Error {
  static name = 'BlockHashMismatchError'
  readonly cid: string

  constructor (cid: string, message = `block bytes do not hash to ${cid}`) {
    super(message)
    this.name = 'BlockHashMismatchError'
    this.cid = cid
  }
}

/** A block larger than the limit of the context that received it. */
export class BlockTooLargeError extends Error {
  static name = 'BlockTooLargeError'
  readonly sizeBytes: number
  readonly maxSizeBytes: number

  constructor (sizeBytes: number, maxSizeBytes: number, message = `block of ${sizeBytes} bytes exceeds ${maxSizeBytes}`) {
    super(message)
    this.name = 'BlockTooLargeError'
    this.sizeBytes = sizeBytes
    this.maxSizeBytes = maxSizeBytes
  }
}

/** A block that a store or proof does not hold. Never the same as "key not found". */
export class BlockNotFoundError extends Error {
  static name = 'BlockNotFoundError'
  readonly cid: string

  constructor (cid: string, message = `block ${cid} not found`) {
    super(message)
    this.name = 'BlockNotFoundError'
    this.cid = cid
  }
}

// ── TAU identity ─────────────────────────────────────────────────────────────────────────

/** A TAU address text or byte form that fails parsing; `reason` says which check failed. */
export class InvalidTauAddressError extends Error {
  static name = 'InvalidTauAddressError'
  readonly reason: 'prefix' | 'encoding' | 'length' | 'checksum'

  constructor (reason: 'prefix' | 'encoding' | 'length' | 'checksum', message = `invalid TAU address: bad ${reason}`) {
    super(message)
    this.name = 'InvalidTauAddressError'
    this.reason = reason
  }
}

/** A private or public key that is not a valid secp256k1 key. */
export class InvalidKeyError extends Error {
  static name = 'InvalidKeyError'

  constructor (message = 'invalid secp256k1 key') {
    super(message)
    this.name = 'InvalidKeyError'
  }
}

/** A signature that does not verify: malformed, high-s, wrong v, or from another signer. */
export class InvalidSignatureError extends Error {
  static name = 'InvalidSignatureError'
  readonly reason: string

  constructor (reason: string, message = `invalid signature: ${reason}`) {
    super(message)
    this.name = 'InvalidSignatureError'
    this.reason = reason
  }
}

/** A signing domain tag that is empty, too long, or not printable ASCII. */
export class InvalidSigningDomainError extends Error {
  static name = 'InvalidSigningDomainError'
  readonly domain: string

  constructor (domain: string, message = 'invalid signing domain: must be 1..128 printable ASCII characters') {
    super(message)
    this.name = 'InvalidSigningDomainError'
    this.domain = domain
  }
}

/** Why a peer binding was refused. */
export type PeerBindingFailure = 'malformed' | 'bad_peer_id' | 'peer_signature' | 'tau_signature' | 'expired' | 'not_yet_valid'

/** A peer binding that does not prove a libp2p peer belongs to a TAU address; `reason` says why. */
export class InvalidPeerBindingError extends Error {
  static name = 'InvalidPeerBindingError'
  readonly reason: PeerBindingFailure

  constructor (reason: PeerBindingFailure, message = `invalid peer binding: ${reason}`) {
    super(message)
    this.name = 'InvalidPeerBindingError'
    this.reason = reason
  }
}

// ── IPLD selectors ───────────────────────────────────────────────────────────────────────

/** A selector node that is not a valid selector; `path` names where in the selector. */
export class InvalidSelectorError extends Error {
  static name = 'InvalidSelectorError'
  readonly path: string

  constructor (path: string, message = 'invalid selector') {
    super(`${message} (at ${path === '' ? '<root>' : path})`)
    this.name = 'InvalidSelectorError'
    this.path = path
  }
}

/** A valid selector feature this implementation does not run (conditions, interpretAs). */
export class UnsupportedSelectorError extends Error {
  static name = 'UnsupportedSelectorError'
  readonly feature: string

  constructor (feature: string, message = `unsupported selector feature: ${feature}`) {
    super(message)
    this.name = 'UnsupportedSelectorError'
    this.feature = feature
  }
}

/** A selector or walk that exceeds a configured limit; `limit` names which one. */
export class SelectorLimitError extends Error {
  static name = 'SelectorLimitError'
  readonly limit: 'depth' | 'size' | 'nesting' | 'nodes' | 'recursion_none'
  readonly max: number

  constructor (limit: 'depth' | 'size' | 'nesting' | 'nodes' | 'recursion_none', max: number, message = `selector limit exceeded: ${limit} (max ${max})`) {
    super(message)
    this.name = 'SelectorLimitError'
    this.limit = limit
    this.max = max
  }
}

// ── graphsync ────────────────────────────────────────────────────────────────────────────

/** Why a responder's block or metadata entry was refused by the requester's own selector walk. */
export type UnexpectedBlockReason = 'out_of_order' | 'not_in_walk' | 'undeclared' | 'unknown_duplicate' | 'absent'

/**
 * A graphsync responder offered a block the requester's walk did not need next: another CID than
 * the walk's next link (`out_of_order`), more after the walk ended (`not_in_walk`), a block no
 * metadata names (`undeclared`), a duplicate of a block never received (`unknown_duplicate`), or
 * metadata saying "present" without the block (`absent`). `expected` is the walk's next CID.
 */
export class UnexpectedBlockError extends Error {
  static name = 'UnexpectedBlockError'
  readonly cid: string
  readonly expected: string | null
  readonly reason: UnexpectedBlockReason

  constructor (cid: string, expected: string | null, reason: UnexpectedBlockReason, message = `unexpected block ${cid} (${reason}${expected === null ? '' : `, walk needs ${expected}`})`) {
    super(message)
    this.name = 'UnexpectedBlockError'
    this.cid = cid
    this.expected = expected
    this.reason = reason
  }
}

/** A graphsync responder reported completion (20/21) while the walk still needed `cid`. */
export class IncompleteResponseError extends Error {
  static name = 'IncompleteResponseError'
  readonly status: number
  readonly cid: string

  constructor (status: number, cid: string, message = `response ended with status ${status} before block ${cid}`) {
    super(message)
    this.name = 'IncompleteResponseError'
    this.status = status
    this.cid = cid
  }
}

/** A graphsync request went past one of its limits; `limit` names which one. */
export class GraphsyncLimitError extends Error {
  static name = 'GraphsyncLimitError'
  readonly limit: 'blocks' | 'bytes' | 'empty_responses' | 'pending_bytes'
  readonly max: number

  constructor (limit: 'blocks' | 'bytes' | 'empty_responses' | 'pending_bytes', max: number, message = `graphsync request limit exceeded: ${limit} (max ${max})`) {
    super(message)
    this.name = 'GraphsyncLimitError'
    this.limit = limit
    this.max = max
  }
}

// ── HAMT ─────────────────────────────────────────────────────────────────────────────────

/** A HAMT node that violates the format; `cid` names the block and `reason` what is wrong. */
export class MalformedHamtNodeError extends Error {
  static name = 'MalformedHamtNodeError'
  readonly cid: string
  readonly reason: string

  constructor (cid: string, reason: string, message = `malformed HAMT node ${cid}: ${reason}`) {
    super(message)
    this.name = 'MalformedHamtNodeError'
    this.cid = cid
    this.reason = reason
  }
}

/** A HAMT proof (CAR) that cannot prove anything: missing, extra or corrupt blocks, wrong root. */
export class InvalidProofError extends Error {
  static name = 'InvalidProofError'
  readonly reason: string

  constructor (reason: string, message = `invalid proof: ${reason}`) {
    super(message)
    this.name = 'InvalidProofError'
    this.reason = reason
  }
}

/** HAMT options out of range (bitWidth, bucketSize, hashAlg); `option` names which one. */
export class InvalidHamtOptionsError extends Error {
  static name = 'InvalidHamtOptionsError'
  readonly option: string

  constructor (option: string, message = `invalid HAMT option: ${option}`) {
    super(message)
    this.name = 'InvalidHamtOptionsError'
    this.option = option
  }
}

/** A HAMT key that cannot be used: not bytes, or longer than the identity hash allows. */
export class InvalidHamtKeyError extends Error {
  static name = 'InvalidHamtKeyError'
  readonly reason: 'not_bytes' | 'too_long'

  constructor (reason: 'not_bytes' | 'too_long', message = `invalid HAMT key: ${reason}`) {
    super(message)
    this.name = 'InvalidHamtKeyError'
    this.reason = reason
  }
}

/** A HAMT value that is not an IPLD data model value (it cannot be encoded as DAG-CBOR). */
export class InvalidHamtValueError extends Error {
  static name = 'InvalidHamtValueError'

  constructor (message = 'HAMT value is not an IPLD data model value') {
    super(message)
    this.name = 'InvalidHamtValueError'
  }
}

/** Keys whose hashes agree on every bit a HAMT can index (go-hamt-ipld's ErrMaxDepth). */
export class HamtMaxDepthError extends Error {
  static name = 'HamtMaxDepthError'
  readonly depth: number

  constructor (depth: number, message = `HAMT hash exhausted at depth ${depth}`) {
    super(message)
    this.name = 'HamtMaxDepthError'
    this.depth = depth
  }
}

// ── attachment download ──────────────────────────────────────────────────────────────────

/**
 * A download stopped because no route can afford its next sync within the spend caps
 * (`scope`: the total cap or, when every route hit its own, the per-route caps). Nothing was
 * charged beyond the cap: every sync's `maxCharge` fitted what was left of it.
 */
export class SpendCapReachedError extends Error {
  static name = 'SpendCapReachedError'
  readonly scope: 'total' | 'route'
  /** The cap, nanoTAU. */
  readonly capNanoTau: bigint
  /** Charged so far (receipts) plus the holds of syncs that ended without a result, nanoTAU. */
  readonly spentNanoTau: bigint
  /** The price of the next unit at the policy's rates, nanoTAU. */
  readonly neededNanoTau: bigint

  constructor (scope: 'total' | 'route', capNanoTau: bigint, spentNanoTau: bigint, neededNanoTau: bigint,
    message = `spend cap reached (${scope}): spent ${spentNanoTau} of ${capNanoTau} nanoTAU, next sync needs ${neededNanoTau}`) {
    super(message)
    this.name = 'SpendCapReachedError'
    this.scope = scope
    this.capNanoTau = capNanoTau
    this.spentNanoTau = spentNanoTau
    this.neededNanoTau = neededNanoTau
  }
}
