/**
 * Policy documents (DESIGN.md §4.4, §5.1): made from defaults, signed by the operator's TAU key in
 * domain `tau-relay/policy/1`, encoded as canonical DAG-CBOR, named by their CID (v1, dag-cbor,
 * sha2-256) which requesters pin in `SyncRequest.policy`, and chosen from the policy history.
 */
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { DAG_CBOR_CODE } from './block.js'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_POLICY_DOCUMENT_BYTES } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { sha256 } from './hashes.js'
import { verifyPeerBinding } from './peer-binding.js'
import { DEFAULT_POLICY, POLICY_UNIT, policyFromNode } from './policy-schema.js'
import { tauAddressFromPrivateKey } from './tau-address.js'
import { TAU_DOMAIN } from './tau-domains.js'
import { signTau, verifyTau } from './tau-signature.js'
import { decodeMessage, encodeNode } from './wire-schema.js'
import type { PeerBinding } from './peer-binding-codec.js'
import type { PolicyDefaults, PolicyDocument, UnsignedPolicyDocument } from './policy-schema.js'

/** What `createPolicyDocument` needs; every section not given comes from DEFAULT_POLICY. */
export interface PolicyFields {
  relay: { tau: Uint8Array, peers?: PeerBinding[] }
  /** ms since the Unix epoch (protocol/ has no clock: the caller passes now). */
  issuedAtMs: number
  /** @default issuedAtMs */
  validFromMs?: number
  honouredUntilMs?: number
  pricing?: Partial<PolicyDefaults['pricing']>
  freeQuota?: Partial<PolicyDefaults['freeQuota']>
  seedingCredit?: Partial<PolicyDefaults['seedingCredit']>
  limits?: Partial<PolicyDefaults['limits']>
  circuit?: Partial<PolicyDefaults['circuit']>
  settlement?: Partial<PolicyDefaults['settlement']>
}

/** Where a policy CID stands for a request at a given time. */
export type PolicySelection = 'current' | 'honoured' | 'unknown'

const DECODE_LIMITS = { maxBytes: MAX_POLICY_DOCUMENT_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH }

/** Defaults overlaid with the given values; an undefined override keeps the default. */
function section<T extends object> (defaults: T, overrides: Partial<T> | undefined): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) }
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) out[key] = value
  }
  return out as T
}

/** Makes an unsigned policy document, filling every section left out from DEFAULT_POLICY. */
export function createPolicyDocument (fields: PolicyFields): UnsignedPolicyDocument {
  const doc: UnsignedPolicyDocument = {
    v: 1,
    relay: { tau: fields.relay.tau, peers: [...(fields.relay.peers ?? [])] },
    issuedAtMs: fields.issuedAtMs,
    validFromMs: fields.validFromMs ?? fields.issuedAtMs,
    unit: POLICY_UNIT,
    pricing: section(DEFAULT_POLICY.pricing, fields.pricing),
    freeQuota: section(DEFAULT_POLICY.freeQuota, fields.freeQuota),
    seedingCredit: section(DEFAULT_POLICY.seedingCredit, fields.seedingCredit),
    limits: section(DEFAULT_POLICY.limits, fields.limits),
    circuit: section(DEFAULT_POLICY.circuit, fields.circuit),
    settlement: section(DEFAULT_POLICY.settlement, fields.settlement)
  }
  doc.settlement.acceptedFrom = [...doc.settlement.acceptedFrom]
  if (fields.honouredUntilMs !== undefined) doc.honouredUntilMs = fields.honouredUntilMs
  return policyFromNode(doc, { signed: false })
}

/** The fields a policy signature covers (all but `sig`), in a fresh object. */
function unsignedPart (doc: UnsignedPolicyDocument): UnsignedPolicyDocument {
  const { sig: _sig, ...unsigned } = doc as PolicyDocument
  return unsigned
}

/** Signs a policy document with the operator's TAU key, whose address must be `relay.tau`. */
export function signPolicyDocument (doc: UnsignedPolicyDocument, tauPrivateKey: Uint8Array): PolicyDocument {
  const unsigned = policyFromNode(unsignedPart(doc), { signed: false })
  if (!equals(tauAddressFromPrivateKey(tauPrivateKey), unsigned.relay.tau)) {
    throw new MalformedMessageError('relay.tau', 'not the address of the signing key')
  }
  const sig = signTau(tauPrivateKey, TAU_DOMAIN.policy, { ...unsigned })
  return { ...unsigned, sig }
}

/** Encodes a signed policy document as canonical DAG-CBOR (after checking its shape). */
export function encodePolicyDocument (doc: PolicyDocument): Uint8Array {
  return encodeNode(policyFromNode(doc))
}

/** Decodes a signed policy document strictly (bounded, exact fields, canonical); does not verify it. */
export function decodePolicyDocument (bytes: Uint8Array): PolicyDocument {
  return decodeMessage(bytes, (node) => policyFromNode(node), DECODE_LIMITS)
}

/** The CID requesters pin: CIDv1, dag-cbor, sha2-256 of the encoded document. */
export function policyDocumentCid (input: Uint8Array | PolicyDocument): CID {
  const bytes = input instanceof Uint8Array ? input : encodePolicyDocument(input)
  return CID.createV1(DAG_CBOR_CODE, sha256.digest(bytes))
}

/**
 * Verifies a policy document: its shape and field relations (MalformedMessageError) and that its
 * signature recovers `relay.tau` (InvalidSignatureError). Peer binding signatures are checked by
 * `verifyPolicyBindings`, which is async.
 */
export function verifyPolicyDocument (doc: PolicyDocument): void {
  const checked = policyFromNode(doc)
  verifyTau(TAU_DOMAIN.policy, { ...unsignedPart(checked) }, checked.sig, checked.relay.tau)
}

/** Verifies every peer binding of a policy at `nowMs`; throws the first InvalidPeerBindingError. */
export async function verifyPolicyBindings (doc: PolicyDocument, nowMs: number): Promise<void> {
  for (const binding of doc.relay.peers) {
    await verifyPeerBinding(binding, { nowMs })
  }
}

interface Entry { doc: PolicyDocument, cid: CID }

/** Whether `a` supersedes `b`: later validFromMs, then later issuedAtMs, then larger CID bytes (a total order). */
function supersedes (a: Entry, b: Entry): boolean {
  if (a.doc.validFromMs !== b.doc.validFromMs) return a.doc.validFromMs > b.doc.validFromMs
  if (a.doc.issuedAtMs !== b.doc.issuedAtMs) return a.doc.issuedAtMs > b.doc.issuedAtMs
  return compareBytes(a.cid.bytes, b.cid.bytes) > 0
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

function checkNow (nowMs: number): void {
  if (!Number.isFinite(nowMs)) throw new RangeError('nowMs must be a finite number')
}

function currentEntry (entries: Entry[], nowMs: number): Entry | undefined {
  let current: Entry | undefined
  for (const entry of entries) {
    if (entry.doc.validFromMs > nowMs) continue
    if (current === undefined || supersedes(entry, current)) current = entry
  }
  return current
}

/** The policy in effect at `nowMs`: the latest with validFromMs ≤ now, or undefined. */
export function currentPolicy (history: readonly PolicyDocument[], nowMs: number): PolicyDocument | undefined {
  checkNow(nowMs)
  return currentEntry(history.map((doc) => ({ doc, cid: policyDocumentCid(doc) })), nowMs)?.doc
}

/**
 * Where the policy named by `cid` stands at `nowMs`: `current` if it is the latest in effect;
 * `honoured` if it took effect earlier, was superseded, and now < its honouredUntilMs; otherwise
 * `unknown` — including a policy that is not in effect yet, which no request may pin.
 * Hashes every document of the history: callers with a long history index CIDs themselves.
 */
export function selectPolicy (history: readonly PolicyDocument[], cid: CID, nowMs: number): PolicySelection {
  checkNow(nowMs)
  const entries = history.map((doc) => ({ doc, cid: policyDocumentCid(doc) }))
  const wanted = entries.find((entry) => entry.cid.equals(cid))
  if (wanted === undefined || wanted.doc.validFromMs > nowMs) return 'unknown'
  const current = currentEntry(entries, nowMs)
  if (current !== undefined && current.cid.equals(wanted.cid)) return 'current'
  const until = wanted.doc.honouredUntilMs
  return until !== undefined && nowMs < until ? 'honoured' : 'unknown'
}
