/**
 * HamtGraphRelaySync messages (DESIGN.md §4.1): the signed SyncRequest a requester sends and the
 * SyncResult that ends every sync, as typed values and strict IPLD node checks. On the wire a
 * result's `status` and `reason` are integer codes from protocol/status.ts; in code, their names.
 * The selector `sel` is an opaque IPLD map here; the relay parses it with protocol/selector.
 */
import { z } from 'zod'
import { MAX_MULTIADDR_BYTES, MAX_SYNC_REQUEST_ADDRS } from '../constants.js'
import { MalformedMessageError } from '../errors.js'
import { logHeadFromNode } from '../log-head.js'
import {
  isRejectionReason, isSyncOutcome, rejectionReasonCode, rejectionReasonFromCode, syncOutcomeCode, syncOutcomeFromCode
} from '../status.js'
import { transferRecordFromNode, transferRecordToNode } from '../transfer-record.js'
import {
  addressSchema, amountSchema, bytesSchema, chainIdSchema, cidSchema, countSchema, ipldMapSchema, parseNode,
  peerIdSchema, requestIdSchema, signatureSchema, timeMsSchema
} from '../wire-schema.js'
import type { LogHead } from '../log-head.js'
import type { RejectionReason, SyncOutcome } from '../status.js'
import type { TransferRecord } from '../transfer-record.js'
import type { CID } from 'multiformats/cid'

/** A sync request before signing. Optional fields are omitted, never undefined. */
export interface UnsignedSyncRequest {
  v: 1
  /** 16 random bytes; never reused by one payer (replays are rejected). */
  id: Uint8Array
  /** The paying TAU address; the signer. */
  payer: Uint8Array
  /** Peer id bytes of the target holding the blocks. */
  peer: Uint8Array
  /** Multiaddr bytes to dial the target at when the relay has no connection to it. */
  addrs?: Uint8Array[]
  /** The root to sync, or null for the target's future ContractReceiptStateRoot of `chain`. */
  root: CID | null
  /** Chain id (genesis address); required when root is null. */
  chain?: Uint8Array
  /** The IPLD selector, as a node. */
  sel: Record<string, unknown>
  /** At most this many blocks (≥ 1). */
  maxBlocks: number
  /** At most this many bytes of blocks (≥ 1). */
  maxBytes: number
  /** At most this many nanoTAU charged. */
  maxCharge: bigint
  /** CID of the policy document the requester accepts. */
  policy: CID
  /** When the requester made it, ms since the Unix epoch. */
  tsMs: number
}

/** A sync request signed by the payer's TAU key. */
export interface SyncRequest extends UnsignedSyncRequest {
  /** 65-byte TAU signature in domain `tau-relay/sync-request/1`. */
  sig: Uint8Array
}

/** What proves a charge: the record, the signed log head whose HAMT holds it, the inclusion proof. */
export interface SyncReceipt {
  record: TransferRecord
  head: LogHead
  /** CARv1 bytes: the head as root and the HAMT path to the record. */
  proof: Uint8Array
}

/** How a sync ended. */
export interface SyncResult {
  status: SyncOutcome
  /** The root synced (resolved when the request had none), or null. */
  root: CID | null
  blocks: number
  bytes: number
  /** Bytes paid by the free quota; ≤ bytes. */
  freeBytes: number
  /** nanoTAU charged. */
  charge: bigint
  /** The payer's balance after the charge, nanoTAU. */
  balanceAfter: bigint
  /** Present when a record was logged (never for `rejected`). */
  receipt?: SyncReceipt
  /** Present exactly when status is `rejected`. */
  reason?: RejectionReason
}

const positiveSchema = z.number().int().min(1)

const requestShape = {
  v: z.literal(1),
  id: requestIdSchema,
  payer: addressSchema,
  peer: peerIdSchema,
  addrs: z.array(bytesSchema(1, MAX_MULTIADDR_BYTES)).max(MAX_SYNC_REQUEST_ADDRS).exactOptional(),
  root: cidSchema.nullable(),
  chain: chainIdSchema.exactOptional(),
  sel: ipldMapSchema,
  maxBlocks: positiveSchema,
  maxBytes: positiveSchema,
  maxCharge: amountSchema,
  policy: cidSchema,
  tsMs: timeMsSchema
}
const unsignedRequestSchema = z.strictObject(requestShape)
const signedRequestSchema = z.strictObject({ ...requestShape, sig: signatureSchema })

function checkRequest<T extends UnsignedSyncRequest> (req: T): T {
  if (req.root === null && req.chain === undefined) throw new MalformedMessageError('chain', 'required when root is null')
  return req
}

/** Checks a decoded signed request. */
export function syncRequestFromNode (node: unknown): SyncRequest {
  return checkRequest(parseNode(signedRequestSchema, node))
}

/** Checks an unsigned request (what `signSyncRequest` signs). */
export function unsignedSyncRequestFromNode (node: unknown): UnsignedSyncRequest {
  return checkRequest(parseNode(unsignedRequestSchema, node))
}

const resultNodeSchema = z.strictObject({
  status: countSchema,
  root: cidSchema.nullable(),
  blocks: countSchema,
  bytes: countSchema,
  freeBytes: countSchema,
  charge: amountSchema,
  balanceAfter: amountSchema,
  receipt: z.strictObject({ record: z.unknown(), head: z.unknown(), proof: bytesSchema(1, Number.MAX_SAFE_INTEGER) }).exactOptional(),
  reason: countSchema.exactOptional()
})

/** Checks a decoded result node (status and reason as codes). */
export function syncResultFromNode (node: unknown, path = ''): SyncResult {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`)
  const parsed = parseNode(resultNodeSchema, node, path)
  const status = syncOutcomeFromCode(parsed.status)
  if (status === undefined) throw new MalformedMessageError(at('status'), 'unknown sync outcome code')
  const result: SyncResult = { ...parsed, status, receipt: undefined, reason: undefined }
  if (parsed.reason !== undefined) {
    result.reason = rejectionReasonFromCode(parsed.reason)
    if (result.reason === undefined) throw new MalformedMessageError(at('reason'), 'unknown rejection reason code')
  }
  if (parsed.receipt !== undefined) {
    result.receipt = {
      record: transferRecordFromNode(parsed.receipt.record, at('receipt.record')),
      head: logHeadFromNode(parsed.receipt.head, at('receipt.head')),
      proof: parsed.receipt.proof
    }
  }
  return checkResult(result, at)
}

/** The IPLD node of a result (status and reason as codes), after checking it. */
export function syncResultToNode (result: SyncResult): Record<string, unknown> {
  if (!isSyncOutcome(result.status)) throw new MalformedMessageError('status', 'unknown sync outcome')
  if (result.reason !== undefined && !isRejectionReason(result.reason)) throw new MalformedMessageError('reason', 'unknown rejection reason')
  const node: Record<string, unknown> = { ...result, status: syncOutcomeCode(result.status) }
  delete node.receipt
  delete node.reason
  if (result.reason !== undefined) node.reason = rejectionReasonCode(result.reason)
  if (result.receipt !== undefined) {
    node.receipt = {
      record: transferRecordToNode(result.receipt.record),
      head: result.receipt.head,
      proof: result.receipt.proof
    }
  }
  syncResultFromNode(node)
  return node
}

function checkResult (result: SyncResult, at: (field: string) => string): SyncResult {
  // `reservation` is a transfer-log outcome of circuit fees; no sync ends with it
  if (result.status === 'reservation') throw new MalformedMessageError(at('status'), 'a sync result cannot be a reservation')
  if ((result.status === 'rejected') !== (result.reason !== undefined)) {
    throw new MalformedMessageError(at('reason'), 'reason must be present exactly when status is rejected')
  }
  if (result.status === 'rejected' && result.receipt !== undefined) {
    throw new MalformedMessageError(at('receipt'), 'a rejected sync has no receipt')
  }
  if (result.freeBytes > result.bytes) throw new MalformedMessageError(at('freeBytes'), 'more free bytes than bytes')
  // optional fields are omitted, never undefined, so the value re-encodes as it arrived
  if (result.receipt === undefined) delete result.receipt
  if (result.reason === undefined) delete result.reason
  return result
}
