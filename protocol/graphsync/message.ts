/**
 * Graphsync v2 message types (DESIGN.md §4.2), written from go-graphsync's
 * `message/ipldbind/schema.ipldsch`: the wire form is
 * `{"gs2": {"req"?: [Request], "rsp"?: [Response], "blk"?: [[prefix, data]]}}`.
 * Wire letters are mapped to words here; codec.ts holds the mapping.
 */
import type { CID } from 'multiformats/cid'

/** What a request asks: a new traversal, cancelling one, or new extensions for one (`n`, `c`, `u`). */
export type GraphsyncRequestType = 'new' | 'cancel' | 'update'

/**
 * What the responder did with one link of the traversal (`p`, `d`, `m`, `s` on the wire):
 * present and sent; present but not sent (duplicate); missing; DAG already walked, skipped.
 */
export type GraphsyncLinkAction = 'present' | 'duplicateNotSent' | 'missing' | 'duplicateDagSkipped'

/** Extension name → IPLD value (null allowed: the schema's values are `nullable Any`). */
export type GraphsyncExtensions = Map<string, unknown>

/** One request of a message. */
export interface GraphsyncRequest {
  /** 16-byte request id chosen by the requester. */
  id: Uint8Array
  type: GraphsyncRequestType
  /** Priority (int32); 0 is the default and is omitted on the wire. */
  priority: number
  /** Root of the traversal; present on `new` requests. */
  root?: CID
  /** IPLD selector node; present on `new` requests. */
  selector?: unknown
  /** Extensions; empty when the wire had none. */
  extensions: GraphsyncExtensions
}

/** One metadata entry of a response: a link of the traversal and what was done with it. */
export interface GraphsyncLinkMetadatum {
  link: CID
  action: GraphsyncLinkAction
}

/** One response of a message. */
export interface GraphsyncResponse {
  /** Id of the request this answers (16 bytes). */
  requestId: Uint8Array
  status: GraphsyncStatusCode
  /** Links visited since the previous response, in traversal order; omitted on the wire when empty. */
  metadata?: GraphsyncLinkMetadatum[]
  /** Extensions; empty when the wire had none. */
  extensions: GraphsyncExtensions
}

/** One block of a message: CID prefix bytes (version, codec, multihash code and length) and data. */
export interface GraphsyncBlock {
  prefix: Uint8Array
  data: Uint8Array
}

/** A graphsync v2 message; empty lists are omitted on the wire. */
export interface GraphsyncMessage {
  requests?: GraphsyncRequest[]
  responses?: GraphsyncResponse[]
  blocks?: GraphsyncBlock[]
}

/** Response status codes, named as in go-graphsync's schema. */
export const GraphsyncStatus = Object.freeze({
  RequestAcknowledged: 10,
  AdditionalPeers: 11,
  NotEnoughGas: 12,
  OtherProtocol: 13,
  PartialResponse: 14,
  RequestPaused: 15,
  RequestCompletedFull: 20,
  RequestCompletedPartial: 21,
  RequestRejected: 30,
  RequestFailedBusy: 31,
  RequestFailedUnknown: 32,
  RequestFailedLegal: 33,
  RequestFailedContentNotFound: 34,
  RequestCancelled: 35
} as const)

/** A response status code the schema knows. */
export type GraphsyncStatusCode = typeof GraphsyncStatus[keyof typeof GraphsyncStatus]

/** Status code → name, worded as in DESIGN.md §4.2. */
export const GRAPHSYNC_STATUS_NAMES: ReadonlyMap<GraphsyncStatusCode, string> = new Map<GraphsyncStatusCode, string>([
  [10, 'acknowledged'],
  [11, 'additional peers'],
  [12, 'not enough gas'],
  [13, 'other protocol'],
  [14, 'partial response'],
  [15, 'paused'],
  [20, 'completed full'],
  [21, 'completed partial'],
  [30, 'rejected'],
  [31, 'failed busy'],
  [32, 'failed unknown'],
  [33, 'failed legal'],
  [34, 'content not found'],
  [35, 'cancelled']
])

/** Whether `code` is a status the schema knows. */
export function isGraphsyncStatus (code: number): code is GraphsyncStatusCode {
  return GRAPHSYNC_STATUS_NAMES.has(code as GraphsyncStatusCode)
}

/** Whether a status ends its request (20 and up; 10–15 are informational). */
export function isTerminal (status: GraphsyncStatusCode): boolean {
  return status >= 20
}

/** Whether a status ends its request successfully (20 completed full, 21 completed partial). */
export function isSuccess (status: GraphsyncStatusCode): boolean {
  return status === 20 || status === 21
}

/** Whether a status ends its request with an error (30–35). */
export function isError (status: GraphsyncStatusCode): boolean {
  return status >= 30
}
