/**
 * Shared fixtures of the message tests: fixed TAU keys, a real peer binding from a seeded Ed25519
 * key, and one valid value of every message. Not a test file (no `.test` suffix).
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fromHex } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { signLogHead } from '../../../protocol/log-head.js'
import { signPeerBinding } from '../../../protocol/peer-binding.js'
import { createPolicyDocument, policyDocumentCid, signPolicyDocument } from '../../../protocol/policy-document.js'
import { signSyncRequest } from '../../../protocol/relay-sync/codec.js'
import { tauAddressFromPrivateKey } from '../../../protocol/tau-address.js'
import type { LogHead } from '../../../protocol/log-head.js'
import type { PeerBinding } from '../../../protocol/peer-binding-codec.js'
import type { PolicyDocument } from '../../../protocol/policy-schema.js'
import type { SyncRequest, SyncResult } from '../../../protocol/relay-sync/messages.js'
import type { TransferRecord } from '../../../protocol/transfer-record.js'

/** The operator's TAU key and address. */
export const OPERATOR_KEY = fromHex('11'.repeat(32))
export const OPERATOR = tauAddressFromPrivateKey(OPERATOR_KEY)
/** A requester's TAU key and address. */
export const PAYER_KEY = fromHex('22'.repeat(32))
export const PAYER = tauAddressFromPrivateKey(PAYER_KEY)

export const ISSUED_MS = 1_700_000_000_000
export const HOUR_MS = 3_600_000

/** A CID of a raw block (a sync root). */
export const ROOT = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('root')))
/** A dag-cbor CID (a HAMT root or a head). */
export const DAG_CID = CID.createV1(0x71, await sha256.digest(new TextEncoder().encode('hamt')))

/** The relay node's Ed25519 key (seeded, so the binding is the same every run) and its binding. */
export const NODE_KEY = await generateKeyPairFromSeed('Ed25519', fromHex('33'.repeat(32)))
export const BINDING: PeerBinding = await signPeerBinding({
  tauPrivateKey: OPERATOR_KEY, libp2pPrivateKey: NODE_KEY, issuedAtMs: ISSUED_MS, expiresAtMs: ISSUED_MS + 24 * HOUR_MS
})

/** A signed policy with one bound relay node and an accepted-from address. */
export const POLICY: PolicyDocument = signPolicyDocument(createPolicyDocument({
  relay: { tau: OPERATOR, peers: [BINDING] },
  issuedAtMs: ISSUED_MS,
  honouredUntilMs: ISSUED_MS + 48 * HOUR_MS,
  settlement: { acceptedFrom: [PAYER] }
}), OPERATOR_KEY)

/** A selector node: explore all, recursively, unbounded depth. */
export const SELECTOR = { R: { l: { none: {} }, ':>': { a: { '>': { '@': {} } } } } }

/** A signed sync request for ROOT under POLICY. */
export const REQUEST: SyncRequest = signSyncRequest({
  v: 1,
  id: new Uint8Array(16).fill(7),
  payer: PAYER,
  peer: BINDING.peer,
  addrs: [fromHex('047f000001060fa1')],
  root: ROOT,
  sel: SELECTOR,
  maxBlocks: 1000,
  maxBytes: 256 * 1024 * 1024,
  maxCharge: 2n ** 60n,
  policy: policyDocumentCid(POLICY),
  tsMs: ISSUED_MS + 1000
}, PAYER_KEY)

/** A logged transfer. */
export const RECORD: TransferRecord = {
  seq: 41,
  requestId: REQUEST.id,
  payer: PAYER,
  peer: BINDING.peer,
  root: ROOT,
  selector: DAG_CID,
  blocks: 12,
  bytes: 3_000_000,
  freeBytes: 1_000_000,
  charge: 2_000_000_000n,
  status: 'completed',
  startMs: ISSUED_MS + 1000,
  endMs: ISSUED_MS + 5000
}

/** A signed head (not the first, so it has a prev). */
export const HEAD: LogHead = signLogHead({
  v: 1, seq: 3, count: 42, hamt: DAG_CID, prev: DAG_CID, tsMs: ISSUED_MS + 6000, relay: BINDING.peer
}, OPERATOR_KEY)

/** A completed result with its receipt. */
export const RESULT: SyncResult = {
  status: 'completed',
  root: ROOT,
  blocks: 12,
  bytes: 3_000_000,
  freeBytes: 1_000_000,
  charge: 2_000_000_000n,
  balanceAfter: 2n ** 62n,
  receipt: { record: RECORD, head: HEAD, proof: new Uint8Array([0x0a, 0xa1]) }
}
