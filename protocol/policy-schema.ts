/**
 * The relay's policy document (DESIGN.md §5.1): its typed form, its defaults with their provenance,
 * and the strict check of its decoded IPLD form. Amounts are bigint nanoTAU (DAG-CBOR integers),
 * counts and times safe integers, addresses 20 bytes, relay nodes peer bindings.
 */
import { equals, toHex } from 'multiformats/bytes'
import { z } from 'zod'
import { DEFAULT_MAX_BLOCK_BYTES } from './block.js'
import { MAX_POLICY_ACCEPTED_FROM, MAX_POLICY_PEERS } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { peerBindingFromNode } from './peer-binding-codec.js'
import { addressSchema, amountSchema, countSchema, parseNode, signatureSchema, timeMsSchema } from './wire-schema.js'
import type { PeerBinding } from './peer-binding-codec.js'

/** The unit every amount of a policy is in: 10^-9 TAU. */
export const POLICY_UNIT = 'nanoTAU'

/** The operator's TAU address and the relay nodes bound to it. */
export interface PolicyRelay { tau: Uint8Array, peers: PeerBinding[] }
/** Prices in nanoTAU (DESIGN.md §5.2). */
export interface PolicyPricing { perBlock: bigint, perMiB: bigint }
/** Free bytes per address; `periodMs` 0 = once per address, never renewed. */
export interface PolicyFreeQuota { bytes: number, periodMs: number }
/** What a target earns per MiB it serves, in nanoTAU. */
export interface PolicySeedingCredit { perMiB: bigint }
/** Per-sync and concurrency limits of HamtGraphRelaySync. */
export interface PolicyLimits {
  maxBlocksPerSync: number
  maxBytesPerSync: number
  maxConcurrentSyncs: number
  maxConcurrentSyncsPerPayer: number
  maxConcurrentSyncsPerTarget: number
  maxSelectorDepth: number
  maxBlockBytes: number
  requestClockSkewMs: number
}
/** Circuit relay v2 admission (DESIGN.md §4.5); `reservationFee` in nanoTAU. */
export interface PolicyCircuit {
  maxReservations: number
  maxReservationsPerIp: number
  maxReservationsPerPeer: number
  reservationTtlMs: number
  dataLimitBytes: number
  durationLimitMs: number
  requireBinding: boolean
  reservationFee: bigint
}
/** Settlement: whose TAU transfers are accepted as top-ups, and the smallest top-up, in nanoTAU. */
export interface PolicySettlement { acceptedFrom: Uint8Array[], minTopUp: bigint }

/** A policy document before signing. Optional fields are omitted, never undefined. */
export interface UnsignedPolicyDocument {
  v: 1
  relay: PolicyRelay
  /** When the operator issued it, ms since the Unix epoch. */
  issuedAtMs: number
  /** When it takes effect; ≥ issuedAtMs. */
  validFromMs: number
  /** Until when it stays honoured once superseded (exclusive); ≥ validFromMs. Absent: not after it is superseded. */
  honouredUntilMs?: number
  unit: typeof POLICY_UNIT
  pricing: PolicyPricing
  freeQuota: PolicyFreeQuota
  seedingCredit: PolicySeedingCredit
  limits: PolicyLimits
  circuit: PolicyCircuit
  settlement: PolicySettlement
}

/** A policy document signed by the operator's TAU key (`relay.tau`). */
export interface PolicyDocument extends UnsignedPolicyDocument {
  /** 65-byte TAU signature in domain `tau-relay/policy/1`. */
  sig: Uint8Array
}

/** The sections `createPolicyDocument` fills from DEFAULT_POLICY. */
export interface PolicyDefaults {
  pricing: PolicyPricing
  freeQuota: PolicyFreeQuota
  seedingCredit: PolicySeedingCredit
  limits: PolicyLimits
  circuit: PolicyCircuit
  settlement: PolicySettlement
}

const GIB = 2 ** 30

/** Defaults of every policy section; each value names where it comes from. */
export const DEFAULT_POLICY: Readonly<PolicyDefaults> = deepFreeze({
  // our choice: 0.001 TAU per MiB, and a per-block fee of 1/1000 of that so tiny blocks are not free
  pricing: { perBlock: 1_000n, perMiB: 1_000_000n },
  // the TAU notes: a new address gets 1 GiB free, once (periodMs 0)
  freeQuota: { bytes: GIB, periodMs: 0 },
  // our choice: a seeder earns half of what a MiB costs the requester
  seedingCredit: { perMiB: 500_000n },
  limits: {
    // our choice: 4 GiB per sync (16,384 TAU pieces of 256 KiB), at most 2^20 blocks
    maxBlocksPerSync: 2 ** 20,
    maxBytesPerSync: 4 * GIB,
    // our choice for a relay process; go-graphsync's own default (6) is per node
    maxConcurrentSyncs: 256,
    // go-graphsync: 6 in-progress requests per peer (DESIGN.md §4.2)
    maxConcurrentSyncsPerPayer: 6,
    maxConcurrentSyncsPerTarget: 6,
    // go-graphsync's selector recursion limit (DESIGN.md §4.2)
    maxSelectorDepth: 100,
    // the IPFS/bitswap 2 MiB block limit (protocol/block.ts)
    maxBlockBytes: DEFAULT_MAX_BLOCK_BYTES,
    // 5 minutes, the Kerberos default clock skew
    requestClockSkewMs: 5 * 60_000
  },
  // go-libp2p circuitv2 relay.DefaultResources: 128 reservations, 8 per IP, 4 per peer, 1 h TTL,
  // limited circuits of 128 KiB and 2 min; free and without a binding unless the operator says so
  circuit: {
    maxReservations: 128,
    maxReservationsPerIp: 8,
    maxReservationsPerPeer: 4,
    reservationTtlMs: 60 * 60_000,
    dataLimitBytes: 1 << 17,
    durationLimitMs: 2 * 60_000,
    requireBinding: false,
    reservationFee: 0n
  },
  // our choice: no settlement sources until the operator names them; top-ups of at least 1 TAU
  settlement: { acceptedFrom: [], minTopUp: 1_000_000_000n }
})

function deepFreeze<T extends object> (value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child)
  }
  return Object.freeze(value)
}

const positiveSchema = z.number().int().min(1)

const sectionShapes = {
  v: z.literal(1),
  relay: z.strictObject({ tau: addressSchema, peers: z.array(z.unknown()).max(MAX_POLICY_PEERS) }),
  issuedAtMs: timeMsSchema,
  validFromMs: timeMsSchema,
  honouredUntilMs: timeMsSchema.exactOptional(),
  unit: z.literal(POLICY_UNIT),
  pricing: z.strictObject({ perBlock: amountSchema, perMiB: amountSchema }),
  freeQuota: z.strictObject({ bytes: countSchema, periodMs: timeMsSchema }),
  seedingCredit: z.strictObject({ perMiB: amountSchema }),
  limits: z.strictObject({
    maxBlocksPerSync: positiveSchema,
    maxBytesPerSync: positiveSchema,
    maxConcurrentSyncs: positiveSchema,
    maxConcurrentSyncsPerPayer: positiveSchema,
    maxConcurrentSyncsPerTarget: positiveSchema,
    maxSelectorDepth: positiveSchema,
    maxBlockBytes: positiveSchema,
    requestClockSkewMs: countSchema
  }),
  circuit: z.strictObject({
    maxReservations: countSchema,
    maxReservationsPerIp: countSchema,
    maxReservationsPerPeer: countSchema,
    reservationTtlMs: countSchema,
    dataLimitBytes: countSchema,
    durationLimitMs: countSchema,
    requireBinding: z.boolean(),
    reservationFee: amountSchema
  }),
  settlement: z.strictObject({ acceptedFrom: z.array(addressSchema).max(MAX_POLICY_ACCEPTED_FROM), minTopUp: amountSchema })
}

const unsignedSchema = z.strictObject(sectionShapes)
const signedSchema = z.strictObject({ ...sectionShapes, sig: signatureSchema })

/** Checks a decoded policy document (signed, or unsigned with `signed: false`); MalformedMessageError names the field. */
export function policyFromNode (node: unknown, options: { signed: false }): UnsignedPolicyDocument
export function policyFromNode (node: unknown, options?: { signed: true }): PolicyDocument
export function policyFromNode (node: unknown, options: { signed: boolean } = { signed: true }): UnsignedPolicyDocument {
  const parsed = options.signed ? parseNode(signedSchema, node) : parseNode(unsignedSchema, node)
  const peers = parsed.relay.peers.map((peer, i) => peerBindingFromNode(peer, `relay.peers[${i}]`))
  const doc: UnsignedPolicyDocument = { ...parsed, relay: { tau: parsed.relay.tau, peers } }
  checkRelations(doc)
  return doc
}

/** Relations between fields that each field's own schema cannot see. */
function checkRelations (doc: UnsignedPolicyDocument): void {
  // a document cannot take effect before it exists; this also keeps "latest" well-defined
  if (doc.validFromMs < doc.issuedAtMs) throw new MalformedMessageError('validFromMs', 'valid before it is issued')
  if (doc.honouredUntilMs !== undefined && doc.honouredUntilMs < doc.validFromMs) {
    throw new MalformedMessageError('honouredUntilMs', 'honoured until before it is valid')
  }
  const seenPeers = new Set<string>()
  doc.relay.peers.forEach((binding, i) => {
    // a binding to another address proves nothing about this operator's relay
    if (!equals(binding.tau, doc.relay.tau)) throw new MalformedMessageError(`relay.peers[${i}].tau`, 'binding is for another address')
    const key = toHex(binding.peer)
    if (seenPeers.has(key)) throw new MalformedMessageError(`relay.peers[${i}].peer`, 'duplicate peer')
    seenPeers.add(key)
  })
  const seenAddresses = new Set<string>()
  doc.settlement.acceptedFrom.forEach((address, i) => {
    const key = toHex(address)
    if (seenAddresses.has(key)) throw new MalformedMessageError(`settlement.acceptedFrom[${i}]`, 'duplicate address')
    seenAddresses.add(key)
  })
}
