/**
 * Building blocks shared by the strict codecs of the relay's own messages (policy, relay-sync,
 * future-state, identity, transfer log): zod schemas for the decoded IPLD forms, the mapping of a
 * zod issue to a `MalformedMessageError` naming the field path (`relay.peers[0].tau`), and the one
 * bounded, canonical decode every message goes through.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { decodeDagCborBounded } from './dag-cbor-bounded.js'
import { MalformedMessageError } from './errors.js'
import { TAU_ADDRESS_BYTES } from './tau-address.js'
import { TAU_SIGNATURE_BYTES } from './tau-signature.js'
import type { CborLimits } from './dag-cbor-bounded.js'

/**
 * Largest amount on the wire: 2^63 − 1 nanoTAU, the ledger's maximum (accounting/amounts.ts, a
 * PostgreSQL `bigint`), so nothing a message carries can overflow the ledger that books it.
 */
export const MAX_WIRE_AMOUNT_NANO_TAU = (1n << 63n) - 1n

/** Bytes of a sync request id (a random 128-bit id, like a graphsync request id). */
export const REQUEST_ID_BYTES = 16

/** Longest peer id accepted (same bound as peer bindings: identity-multihash keys ≤ 42 bytes). */
export const MAX_WIRE_PEER_ID_BYTES = 64

/** Longest chain id accepted; a chain id is a genesis address (20 bytes; the main chain is `0x00`). */
export const MAX_CHAIN_ID_BYTES = 64

/** A byte string whose length lies in [min, max]. */
export function bytesSchema (min: number, max: number = min): z.ZodType<Uint8Array> {
  const expected = min === max ? `${min}` : `${min}..${max}`
  return z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes' })
    .refine((v) => v.length >= min && v.length <= max, { message: `expected ${expected} bytes` })
}

/** A 20-byte TAU address. */
export const addressSchema = bytesSchema(TAU_ADDRESS_BYTES)
/** A 65-byte TAU signature (its validity is checked by verification, not decoding). */
export const signatureSchema = bytesSchema(TAU_SIGNATURE_BYTES)
/** Peer id bytes (the multihash of a libp2p peer id). */
export const peerIdSchema = bytesSchema(1, MAX_WIRE_PEER_ID_BYTES)
/** A chain id. */
export const chainIdSchema = bytesSchema(1, MAX_CHAIN_ID_BYTES)
/** A 16-byte request id. */
export const requestIdSchema = bytesSchema(REQUEST_ID_BYTES)

/** A CID (DAG-CBOR link, tag 42). */
export const cidSchema = z.custom<CID>((v) => CID.asCID(v) !== null, { message: 'expected a link' })
  .transform((v) => CID.asCID(v) as CID)

/** A non-negative safe integer: counts, byte sizes, sequence numbers. */
export const countSchema = z.number().int().min(0)
/** A time in ms since the Unix epoch: a non-negative safe integer. */
export const timeMsSchema = z.number().int().min(0)

/**
 * An amount of nanoTAU: a DAG-CBOR integer in 0..2^63−1. DAG-CBOR decodes small integers as JS
 * numbers and large ones as bigint; both normalise to bigint, which encodes back to the same bytes.
 */
export const amountSchema = z.union([z.bigint(), z.number().int()], { error: 'expected an integer amount' })
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(0n, { error: 'amount must not be negative' }).max(MAX_WIRE_AMOUNT_NANO_TAU, { error: 'amount exceeds 2^63 - 1' }))

/** A decoded IPLD map (not a list, bytes or link); its content is left to another layer. */
export const ipldMapSchema = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && CID.asCID(v) === null,
  { message: 'expected a map' })

/** Formats a zod issue path as `a.b[0].c`, after an optional prefix. */
export function formatPath (prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}

/** Validates `node` with `schema`; the first issue becomes a MalformedMessageError naming its field. */
export function parseNode<S extends z.ZodType> (schema: S, node: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(node)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path: PropertyKey[] = [...issue.path]
  // zod reports extra keys on their parent map; the field at fault is the key itself
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0])
  throw new MalformedMessageError(formatPath(prefix, path), issue.message)
}

/** Encodes a value already checked against its schema; DAG-CBOR failures become MalformedMessageError. */
export function encodeNode (value: unknown): Uint8Array {
  try {
    return dagCbor.encode(value)
  } catch (err: unknown) {
    throw new MalformedMessageError('', `not encodable as DAG-CBOR: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * The one decode path of our messages: bounded pre-scan and DAG-CBOR decode, the typed check
 * (`parse`, usually `parseNode` with a schema), then the one-encoding rule (re-encoding the decoded
 * node must give the input back) so that a signature or a CID over a decoded message always means
 * the bytes that arrived. That last check is what catches an integer sent as an integral float,
 * which DAG-CBOR decodes to the same JS number.
 */
export function decodeMessage<T> (bytes: Uint8Array, parse: (node: unknown) => T, limits: Partial<CborLimits>): T {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('', 'expected bytes')
  const node = decodeDagCborBounded(bytes, limits)
  const value = parse(node)
  if (!equals(encodeNode(node), bytes)) throw new MalformedMessageError('', 'not canonical DAG-CBOR')
  return value
}
