/**
 * The operator-friendly JSON form of a policy document (admin API, `tau-relay policy show`, config
 * files). Same fields as the DAG-CBOR form; only representations change:
 * - amounts: canonical decimal strings of nanoTAU (`"1000000"`; no sign, no leading zeros), so
 *   values above 2^53 survive every JSON parser;
 * - TAU addresses: their text form `T…` (checksummed);
 * - peer ids: the libp2p text form (base58btc of the multihash, `12D3Koo…`);
 * - signatures (`sig`, `peerSig`, `tauSig`): lowercase hex without `0x`.
 * Counts and times stay JSON numbers. Decoding converts to the IPLD form and applies exactly the
 * checks of `decodePolicyDocument`, so both forms accept the same documents and name the same fields.
 * (DAG-JSON over HTTP is a different thing: the canonical IPLD encoding, produced by @ipld/dag-json.)
 */
import { base58btc } from 'multiformats/bases/base58'
import { fromHex, toHex } from 'multiformats/bytes'
import { z } from 'zod'
import { MAX_POLICY_ACCEPTED_FROM, MAX_POLICY_PEERS } from './constants.js'
import { POLICY_UNIT, policyFromNode } from './policy-schema.js'
import { formatTauAddress, MAX_TAU_ADDRESS_TEXT_LENGTH, parseTauAddress } from './tau-address.js'
import { parseNode } from './wire-schema.js'
import type { PeerBinding } from './peer-binding-codec.js'
import type { PolicyDocument, UnsignedPolicyDocument } from './policy-schema.js'

/** Longest decimal amount text: 2^63 − 1 has 19 digits. */
const MAX_AMOUNT_DIGITS = 19
/** Longest hex text: a 128-byte libp2p signature. */
const MAX_HEX_CHARS = 256
/** Longest peer id text: base58 of a 64-byte multihash is at most 88 characters. */
const MAX_PEER_ID_TEXT = 88

const amountJson = z.string().max(MAX_AMOUNT_DIGITS).regex(/^(0|[1-9][0-9]*)$/, { error: 'expected a decimal string of nanoTAU' })
  .transform((text) => BigInt(text))

const addressJson = z.string().max(MAX_TAU_ADDRESS_TEXT_LENGTH)
  .refine((text) => isTauAddress(text), { error: 'expected a TAU address (T…)' })
  .transform((text) => parseTauAddress(text))

const hexJson = z.string().max(MAX_HEX_CHARS).regex(/^(?:[0-9a-f]{2})*$/, { error: 'expected lowercase hex' })
  .transform((text) => fromHex(text))

const peerIdJson = z.string().min(1).max(MAX_PEER_ID_TEXT).regex(/^[1-9A-HJ-NP-Za-km-z]+$/, { error: 'expected a base58btc peer id' })
  .transform((text) => base58btc.baseDecode(text))

const bindingJson = z.strictObject({
  tau: addressJson, peer: peerIdJson, issuedAtMs: z.number(), expiresAtMs: z.number(), peerSig: hexJson, tauSig: hexJson
})

const shape = {
  v: z.number(),
  relay: z.strictObject({ tau: addressJson, peers: z.array(bindingJson).max(MAX_POLICY_PEERS) }),
  issuedAtMs: z.number(),
  validFromMs: z.number(),
  honouredUntilMs: z.number().exactOptional(),
  unit: z.literal(POLICY_UNIT),
  pricing: z.strictObject({ perBlock: amountJson, perMiB: amountJson }),
  freeQuota: z.strictObject({ bytes: z.number(), periodMs: z.number() }),
  seedingCredit: z.strictObject({ perMiB: amountJson }),
  limits: z.strictObject({
    maxBlocksPerSync: z.number(),
    maxBytesPerSync: z.number(),
    maxConcurrentSyncs: z.number(),
    maxConcurrentSyncsPerPayer: z.number(),
    maxConcurrentSyncsPerTarget: z.number(),
    maxSelectorDepth: z.number(),
    maxBlockBytes: z.number(),
    requestClockSkewMs: z.number()
  }),
  circuit: z.strictObject({
    maxReservations: z.number(),
    maxReservationsPerIp: z.number(),
    maxReservationsPerPeer: z.number(),
    reservationTtlMs: z.number(),
    dataLimitBytes: z.number(),
    durationLimitMs: z.number(),
    requireBinding: z.boolean(),
    reservationFee: amountJson
  }),
  settlement: z.strictObject({ acceptedFrom: z.array(addressJson).max(MAX_POLICY_ACCEPTED_FROM), minTopUp: amountJson })
}

const unsignedJsonSchema = z.strictObject(shape)
const signedJsonSchema = z.strictObject({ ...shape, sig: hexJson })

/** The JSON form of a signed policy document. */
export type PolicyDocumentJson = z.input<typeof signedJsonSchema>
/** The JSON form of an unsigned policy document. */
export type UnsignedPolicyDocumentJson = z.input<typeof unsignedJsonSchema>

function isTauAddress (text: string): boolean {
  try {
    parseTauAddress(text)
    return true
  } catch {
    return false
  }
}

function bindingToJson (binding: PeerBinding): PolicyDocumentJson['relay']['peers'][number] {
  return {
    tau: formatTauAddress(binding.tau),
    peer: base58btc.baseEncode(binding.peer),
    issuedAtMs: binding.issuedAtMs,
    expiresAtMs: binding.expiresAtMs,
    peerSig: toHex(binding.peerSig),
    tauSig: toHex(binding.tauSig)
  }
}

/** The JSON form of a policy document (signed or not), after checking its shape. */
export function policyToJson (doc: PolicyDocument): PolicyDocumentJson
export function policyToJson (doc: UnsignedPolicyDocument): UnsignedPolicyDocumentJson
export function policyToJson (doc: UnsignedPolicyDocument): UnsignedPolicyDocumentJson {
  const signed = (doc as Partial<PolicyDocument>).sig !== undefined
  const checked = signed ? policyFromNode(doc) : policyFromNode(doc, { signed: false })
  const json: UnsignedPolicyDocumentJson & { sig?: string } = {
    v: checked.v,
    relay: { tau: formatTauAddress(checked.relay.tau), peers: checked.relay.peers.map(bindingToJson) },
    issuedAtMs: checked.issuedAtMs,
    validFromMs: checked.validFromMs,
    unit: checked.unit,
    pricing: { perBlock: checked.pricing.perBlock.toString(), perMiB: checked.pricing.perMiB.toString() },
    freeQuota: { ...checked.freeQuota },
    seedingCredit: { perMiB: checked.seedingCredit.perMiB.toString() },
    limits: { ...checked.limits },
    circuit: { ...checked.circuit, reservationFee: checked.circuit.reservationFee.toString() },
    settlement: {
      acceptedFrom: checked.settlement.acceptedFrom.map(formatTauAddress),
      minTopUp: checked.settlement.minTopUp.toString()
    }
  }
  if (checked.honouredUntilMs !== undefined) json.honouredUntilMs = checked.honouredUntilMs
  if (signed) json.sig = toHex((checked as PolicyDocument).sig)
  return json
}

/** Parses the JSON form (a parsed JSON value, not text); MalformedMessageError names the field. */
export function policyFromJson (json: unknown, options: { signed: false }): UnsignedPolicyDocument
export function policyFromJson (json: unknown, options?: { signed: true }): PolicyDocument
export function policyFromJson (json: unknown, options: { signed: boolean } = { signed: true }): UnsignedPolicyDocument {
  if (options.signed) return policyFromNode(parseNode(signedJsonSchema, json))
  return policyFromNode(parseNode(unsignedJsonSchema, json), { signed: false })
}
