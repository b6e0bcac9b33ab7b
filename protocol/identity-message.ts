/**
 * `/tau/identity/1.0.0` messages (DESIGN.md §4.5): a peer sends its signed peer binding (the
 * peer-binding codec's form), the relay answers `{ok: true}` or `{ok: false, reason}` after
 * verifying it. Reasons are the binding failures of `InvalidPeerBindingError`, plus
 * `peer_mismatch` (the binding names another peer than the connection's) and `busy`.
 */
import { z } from 'zod'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_IDENTITY_ACK_BYTES, MAX_IDENTITY_MESSAGE_BYTES } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { peerBindingFromNode } from './peer-binding-codec.js'
import { decodeMessage, encodeNode, parseNode } from './wire-schema.js'
import type { PeerBinding } from './peer-binding-codec.js'

/** Why the relay refused a binding. */
export const IDENTITY_REJECTION_REASONS = [
  'malformed', 'bad_peer_id', 'peer_signature', 'tau_signature', 'expired', 'not_yet_valid', 'peer_mismatch', 'busy'
] as const

/** One identity rejection reason. */
export type IdentityRejectionReason = typeof IDENTITY_REJECTION_REASONS[number]

/** The relay's answer to a binding. */
export type IdentityAck = { ok: true } | { ok: false, reason: IdentityRejectionReason }

const ackSchema = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), reason: z.enum(IDENTITY_REJECTION_REASONS) })
])

/** Checks a decoded ack node. */
export function identityAckFromNode (node: unknown): IdentityAck {
  // a discriminated check gives field-level errors (a plain union would only say "invalid input")
  const ok = typeof node === 'object' && node !== null ? (node as Record<string, unknown>).ok : undefined
  if (ok === true) return parseNode(ackSchema.options[0], node)
  if (ok === false) return parseNode(ackSchema.options[1], node)
  // neither: this names the root (not a map) or `ok` (missing or not a boolean)
  parseNode(z.object({ ok: z.boolean() }), node)
  throw new MalformedMessageError('ok', 'expected a boolean')
}

/** Encodes the binding a peer sends. */
export function encodeIdentityMessage (binding: PeerBinding): Uint8Array {
  return encodeNode(peerBindingFromNode(binding))
}

/** Decodes the binding a peer sent, strictly (shape only: verify it with `verifyPeerBinding`). */
export function decodeIdentityMessage (bytes: Uint8Array): PeerBinding {
  return decodeMessage(bytes, (node) => peerBindingFromNode(node), { maxBytes: MAX_IDENTITY_MESSAGE_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH })
}

/** Encodes an ack. */
export function encodeIdentityAck (ack: IdentityAck): Uint8Array {
  return encodeNode(identityAckFromNode(ack))
}

/** Decodes an ack strictly. */
export function decodeIdentityAck (bytes: Uint8Array): IdentityAck {
  return decodeMessage(bytes, identityAckFromNode, { maxBytes: MAX_IDENTITY_ACK_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH })
}
