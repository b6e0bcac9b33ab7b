/**
 * `/tau/future-state/1.0.0` messages (DESIGN.md §4.3), relay → target: the request `{v:1, chain}`
 * and the response, either the root the target is building next
 * `{v:1, chain, root, heightHint?, tsMs, binding?}` or `{v:1, chain, error: 'not_active'}` when the
 * target does not take part in that chain. The relay uses the root only as a sync root; the
 * optional peer binding lets the target say which TAU address it acts for.
 */
import { equals } from 'multiformats/bytes'
import { z } from 'zod'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_FUTURE_STATE_REQUEST_BYTES, MAX_FUTURE_STATE_RESPONSE_BYTES } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { peerBindingFromNode } from './peer-binding-codec.js'
import { chainIdSchema, cidSchema, countSchema, decodeMessage, encodeNode, ipldMapSchema, parseNode, timeMsSchema } from './wire-schema.js'
import type { PeerBinding } from './peer-binding-codec.js'
import type { CID } from 'multiformats/cid'

/** Asks for the future ContractReceiptStateRoot of a chain. */
export interface FutureStateRequest { v: 1, chain: Uint8Array }

/** The root the target is building next for `chain`. */
export interface FutureStateRoot {
  v: 1
  chain: Uint8Array
  root: CID
  /** The block height the root is expected at, if the target knows. */
  heightHint?: number
  /** When the target answered, ms since the Unix epoch. */
  tsMs: number
  /** The target's peer binding, if it has one. */
  binding?: PeerBinding
}

/** The target is not active on `chain`. */
export interface FutureStateNotActive { v: 1, chain: Uint8Array, error: 'not_active' }

/** Either answer. */
export type FutureStateResponse = FutureStateRoot | FutureStateNotActive

const requestSchema = z.strictObject({ v: z.literal(1), chain: chainIdSchema })
const rootSchema = z.strictObject({
  v: z.literal(1),
  chain: chainIdSchema,
  root: cidSchema,
  heightHint: countSchema.exactOptional(),
  tsMs: timeMsSchema,
  binding: ipldMapSchema.exactOptional()
})
const notActiveSchema = z.strictObject({ v: z.literal(1), chain: chainIdSchema, error: z.literal('not_active') })

/** Whether a response carries a root. */
export function isFutureStateRoot (response: FutureStateResponse): response is FutureStateRoot {
  return !('error' in response)
}

/** Checks a decoded request node. */
export function futureStateRequestFromNode (node: unknown): FutureStateRequest {
  return parseNode(requestSchema, node)
}

/** Checks a decoded response node: the presence of `error` selects the variant. */
export function futureStateResponseFromNode (node: unknown): FutureStateResponse {
  const hasError = typeof node === 'object' && node !== null && 'error' in node
  if (hasError) return parseNode(notActiveSchema, node)
  const parsed = parseNode(rootSchema, node)
  const { binding, ...rest } = parsed
  return binding === undefined ? rest : { ...rest, binding: peerBindingFromNode(binding, 'binding') }
}

/** Encodes a request as canonical DAG-CBOR. */
export function encodeFutureStateRequest (request: FutureStateRequest): Uint8Array {
  return encodeNode(futureStateRequestFromNode(request))
}

/** Decodes a request strictly. */
export function decodeFutureStateRequest (bytes: Uint8Array): FutureStateRequest {
  return decodeMessage(bytes, futureStateRequestFromNode, { maxBytes: MAX_FUTURE_STATE_REQUEST_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH })
}

/** Encodes a response as canonical DAG-CBOR. */
export function encodeFutureStateResponse (response: FutureStateResponse): Uint8Array {
  const bytes = encodeNode(futureStateResponseFromNode(response))
  if (bytes.length > MAX_FUTURE_STATE_RESPONSE_BYTES) throw new MalformedMessageError('', `response exceeds ${MAX_FUTURE_STATE_RESPONSE_BYTES} bytes`)
  return bytes
}

/** Decodes a response strictly. */
export function decodeFutureStateResponse (bytes: Uint8Array): FutureStateResponse {
  return decodeMessage(bytes, futureStateResponseFromNode, { maxBytes: MAX_FUTURE_STATE_RESPONSE_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH })
}

/** Checks that a response answers the chain asked for; MalformedMessageError at `chain` if not. */
export function checkFutureStateAnswers (request: FutureStateRequest, response: FutureStateResponse): void {
  if (!equals(request.chain, response.chain)) throw new MalformedMessageError('chain', 'answers another chain')
}
