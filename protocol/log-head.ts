/**
 * Transfer log heads (DESIGN.md §5.4): `{v:1, seq, count, hamt, prev, tsMs, relay}` signed by the
 * relay's TAU key in domain `tau-relay/log-head/1`. `seq` numbers the heads (the first is 0, each
 * group commit adds one; `prev` is null exactly for head 0), `count` is how many records the HAMT
 * holds (their seqs are 0..count−1). A head names its relay by peer id only, so verifying one takes
 * the expected TAU address from the relay's policy. The head's CID — CIDv1, dag-cbor, blake2b-256
 * like the HAMT blocks it is stored with — is the log root returned to requesters.
 */
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { DAG_CBOR_CODE } from './block.js'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_LOG_HEAD_BYTES } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { blake2b256 } from './hashes.js'
import { TAU_DOMAIN } from './tau-domains.js'
import { signTau, verifyTau } from './tau-signature.js'
import {
  cidSchema, countSchema, decodeMessage, encodeNode, parseNode, peerIdSchema, signatureSchema, timeMsSchema
} from './wire-schema.js'

/** A log head before signing. */
export interface UnsignedLogHead {
  v: 1
  /** Head number: 0 for the first head, +1 per commit. */
  seq: number
  /** Records in the log. */
  count: number
  /** Root of the transfer log HAMT. */
  hamt: CID
  /** CID of the previous head; null exactly when seq is 0. */
  prev: CID | null
  /** Commit time, ms since the Unix epoch. */
  tsMs: number
  /** Peer id bytes of the relay node that committed it. */
  relay: Uint8Array
}

/** A log head signed by the relay's TAU key. */
export interface LogHead extends UnsignedLogHead {
  /** 65-byte TAU signature in domain `tau-relay/log-head/1`. */
  sig: Uint8Array
}

/** The signed head a receipt carries (same type, the name DESIGN.md uses). */
export type SignedLogHead = LogHead

const dagCborLink = cidSchema.refine((cid) => cid.code === DAG_CBOR_CODE, { error: 'expected a dag-cbor link' })

const shape = {
  v: z.literal(1),
  seq: countSchema,
  count: countSchema,
  hamt: dagCborLink,
  prev: dagCborLink.nullable(),
  tsMs: timeMsSchema,
  relay: peerIdSchema
}
const unsignedSchema = z.strictObject(shape)
const signedSchema = z.strictObject({ ...shape, sig: signatureSchema })

function checkChain<T extends UnsignedLogHead> (head: T, prefix: string): T {
  if ((head.seq === 0) !== (head.prev === null)) {
    throw new MalformedMessageError(prefix === '' ? 'prev' : `${prefix}.prev`, 'prev must be null exactly for head 0')
  }
  return head
}

/** Checks a decoded signed head; `path` prefixes field names in errors. */
export function logHeadFromNode (node: unknown, path = ''): LogHead {
  return checkChain(parseNode(signedSchema, node, path), path)
}

function unsignedPart (head: UnsignedLogHead): UnsignedLogHead {
  const { sig: _sig, ...unsigned } = head as LogHead
  return checkChain(parseNode(unsignedSchema, unsigned), '')
}

/** Signs a head with the relay's TAU key. */
export function signLogHead (head: UnsignedLogHead, tauPrivateKey: Uint8Array): LogHead {
  const unsigned = unsignedPart(head)
  return { ...unsigned, sig: signTau(tauPrivateKey, TAU_DOMAIN.logHead, { ...unsigned }) }
}

/** Verifies that `expectedAddress` (the relay's TAU address, from its policy) signed the head; InvalidSignatureError if not. */
export function verifyLogHead (head: LogHead, expectedAddress: Uint8Array): void {
  const checked = logHeadFromNode(head)
  verifyTau(TAU_DOMAIN.logHead, { ...unsignedPart(checked) }, checked.sig, expectedAddress)
}

/** Encodes a signed head as canonical DAG-CBOR. */
export function encodeLogHead (head: LogHead): Uint8Array {
  return encodeNode(logHeadFromNode(head))
}

/** Decodes a signed head strictly; does not verify its signature. */
export function decodeLogHead (bytes: Uint8Array): LogHead {
  return decodeMessage(bytes, (node) => logHeadFromNode(node), { maxBytes: MAX_LOG_HEAD_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH })
}

/** The log root: CIDv1, dag-cbor, blake2b-256 of the encoded head. */
export function logHeadCid (input: Uint8Array | LogHead): CID {
  const bytes = input instanceof Uint8Array ? input : encodeLogHead(input)
  return CID.createV1(DAG_CBOR_CODE, blake2b256.digest(bytes))
}
