/**
 * HamtGraphRelaySync wire codec (DESIGN.md §4.1). A stream carries, each as one unsigned-varint
 * length-prefixed DAG-CBOR body (framing lives in relay/):
 *
 *   requester → relay: exactly one SyncRequest (≤ MAX_SYNC_REQUEST_BYTES);
 *   relay → requester: zero or more block frames `{b: [cid bytes, block bytes]}`
 *                      (≤ MAX_SYNC_BLOCK_FRAME_BYTES each), in the order the selector walk
 *                      verified them, then exactly one result frame `{r: SyncResult}`
 *                      (≤ MAX_SYNC_RESULT_FRAME_BYTES), then the relay closes its side.
 *
 * A stream that ends without a result frame is a failed sync (DESIGN.md §9.3: never trust a clean
 * close). Block frames carry full CID bytes, so the requester checks each block against its CID
 * (protocol/block.ts) before using it. Every decoder is strict and throws only MalformedMessageError.
 */
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { DEFAULT_MAX_BLOCK_BYTES } from '../block.js'
import {
  MAX_MESSAGE_CBOR_DEPTH, MAX_MESSAGE_CBOR_ITEMS, MAX_SYNC_FRAME_BYTES, MAX_SYNC_REQUEST_BYTES, MAX_SYNC_RESULT_FRAME_BYTES
} from '../constants.js'
import { decodeDagCborBounded } from '../dag-cbor-bounded.js'
import { MalformedMessageError, RequestExpiredError } from '../errors.js'
import { tauAddressFromPrivateKey } from '../tau-address.js'
import { TAU_DOMAIN } from '../tau-domains.js'
import { signTau, verifyTau } from '../tau-signature.js'
import { decodeMessage, encodeNode } from '../wire-schema.js'
import { syncRequestFromNode, syncResultFromNode, syncResultToNode, unsignedSyncRequestFromNode } from './messages.js'
import type { SyncRequest, SyncResult, UnsignedSyncRequest } from './messages.js'

/** One frame of the relay → requester stream. */
export type SyncFrame =
  | { type: 'block', cid: CID, bytes: Uint8Array }
  | { type: 'result', result: SyncResult }

/** Options of `decodeSyncFrame`. */
export interface SyncFrameLimits {
  /** Largest block accepted, bytes (the policy's `limits.maxBlockBytes`). @default DEFAULT_MAX_BLOCK_BYTES */
  maxBlockBytes?: number
}

/** Longest CID accepted in a block frame: a CIDv1 header (≤ 8 bytes) and a ≤ 64-byte digest with its header. */
const MAX_FRAME_CID_BYTES = 96

function checkSize (bytes: Uint8Array, max: number, what: string): Uint8Array {
  if (bytes.length > max) throw new MalformedMessageError('', `${what} of ${bytes.length} bytes exceeds ${max}`)
  return bytes
}

function unsignedPart (req: UnsignedSyncRequest): UnsignedSyncRequest {
  const { sig: _sig, ...unsigned } = req as SyncRequest
  return unsigned
}

/** Signs a request with the payer's TAU key (its address must be `payer`). */
export function signSyncRequest (req: UnsignedSyncRequest, tauPrivateKey: Uint8Array): SyncRequest {
  const unsigned = unsignedSyncRequestFromNode(unsignedPart(req))
  if (!equals(tauAddressFromPrivateKey(tauPrivateKey), unsigned.payer)) {
    throw new MalformedMessageError('payer', 'not the address of the signing key')
  }
  return { ...unsigned, sig: signTau(tauPrivateKey, TAU_DOMAIN.syncRequest, { ...unsigned }) }
}

/** Verifies that the payer signed the request; returns the payer address, or throws InvalidSignatureError. */
export function verifySyncRequestSignature (req: SyncRequest): Uint8Array {
  const checked = syncRequestFromNode(req)
  verifyTau(TAU_DOMAIN.syncRequest, { ...unsignedPart(checked) }, checked.sig, checked.payer)
  return checked.payer
}

/** Checks `tsMs` is within ±maxSkewMs of `nowMs` (inclusive); throws RequestExpiredError. */
export function checkSyncRequestTime (req: Pick<UnsignedSyncRequest, 'tsMs'>, nowMs: number, maxSkewMs: number): void {
  if (!Number.isFinite(nowMs) || !Number.isFinite(maxSkewMs) || maxSkewMs < 0) throw new RangeError('nowMs and maxSkewMs must be finite, maxSkewMs ≥ 0')
  if (Math.abs(req.tsMs - nowMs) > maxSkewMs) throw new RequestExpiredError(req.tsMs, nowMs, maxSkewMs)
}

/** Encodes a signed request as canonical DAG-CBOR (checked against the request size limit). */
export function encodeSyncRequest (req: SyncRequest): Uint8Array {
  return checkSize(encodeNode(syncRequestFromNode(req)), MAX_SYNC_REQUEST_BYTES, 'request')
}

/** Decodes a signed request strictly; does not verify its signature. */
export function decodeSyncRequest (bytes: Uint8Array): SyncRequest {
  return decodeMessage(bytes, syncRequestFromNode, { maxBytes: MAX_SYNC_REQUEST_BYTES, maxDepth: MAX_MESSAGE_CBOR_DEPTH })
}

/** Encodes a block frame `{b: [cid bytes, block bytes]}`. */
export function encodeSyncBlockFrame (cid: CID, bytes: Uint8Array, limits: SyncFrameLimits = {}): Uint8Array {
  const maxBlockBytes = limits.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  if (CID.asCID(cid) === null) throw new MalformedMessageError('b[0]', 'expected a CID')
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('b[1]', 'expected bytes')
  if (bytes.length > maxBlockBytes) throw new MalformedMessageError('b[1]', `block of ${bytes.length} bytes exceeds ${maxBlockBytes}`)
  return encodeNode({ b: [cid.bytes, bytes] })
}

/** Encodes the result frame `{r: SyncResult}` (checked against the result frame limit). */
export function encodeSyncResultFrame (result: SyncResult): Uint8Array {
  return checkSize(encodeNode({ r: syncResultToNode(result) }), MAX_SYNC_RESULT_FRAME_BYTES, 'result frame')
}

/** Decodes one frame of the relay → requester stream strictly. */
export function decodeSyncFrame (bytes: Uint8Array, limits: SyncFrameLimits = {}): SyncFrame {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('', 'expected bytes')
  const node = decodeDagCborBounded(bytes, { maxBytes: MAX_SYNC_FRAME_BYTES, maxDepth: MAX_MESSAGE_CBOR_DEPTH, maxItems: MAX_MESSAGE_CBOR_ITEMS })
  if (typeof node !== 'object' || node === null || Array.isArray(node) || node instanceof Uint8Array || CID.asCID(node) !== null) {
    throw new MalformedMessageError('', 'expected a map')
  }
  const keys = Object.keys(node)
  if (keys.length !== 1 || (keys[0] !== 'b' && keys[0] !== 'r')) {
    throw new MalformedMessageError(keys.find((k) => k !== 'b' && k !== 'r') ?? '', 'expected exactly one of b, r')
  }
  const map = node as Record<string, unknown>
  if (keys[0] === 'r') {
    checkSize(bytes, MAX_SYNC_RESULT_FRAME_BYTES, 'result frame')
    const result = syncResultFromNode(map.r, 'r')
    // the one-encoding rule of decodeMessage; block frames need no such check (bytes only)
    if (!equals(encodeNode(node), bytes)) throw new MalformedMessageError('', 'not canonical DAG-CBOR')
    return { type: 'result', result }
  }
  return blockFrame(map.b, limits.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES)
}

/** A block frame's `[cid bytes, block bytes]`; strict DAG-CBOR bytes are canonical, so no re-encode. */
function blockFrame (value: unknown, maxBlockBytes: number): SyncFrame {
  if (!Array.isArray(value) || value.length !== 2) throw new MalformedMessageError('b', 'expected [cid, bytes]')
  const [cidBytes, data] = value as unknown[]
  if (!(cidBytes instanceof Uint8Array) || cidBytes.length > MAX_FRAME_CID_BYTES) {
    throw new MalformedMessageError('b[0]', `expected CID bytes (≤ ${MAX_FRAME_CID_BYTES})`)
  }
  let cid: CID
  try {
    cid = CID.decode(cidBytes)
  } catch (err: unknown) {
    throw new MalformedMessageError('b[0]', `not a CID: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!(data instanceof Uint8Array)) throw new MalformedMessageError('b[1]', 'expected bytes')
  if (data.length > maxBlockBytes) throw new MalformedMessageError('b[1]', `block of ${data.length} bytes exceeds ${maxBlockBytes}`)
  return { type: 'block', cid, bytes: data }
}
