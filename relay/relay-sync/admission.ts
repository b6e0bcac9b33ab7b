/**
 * The checks of DESIGN.md §4.1 step 2 that need no slot and no money, in the design's order:
 * decode (and size, by the frame limit and the decoder) → signature → `tsMs` skew → request id
 * not seen (replay) → policy current or still honoured → selector limits. Each failure throws
 * its typed error; protocol/status.ts `rejectionReasonForError` turns it into the wire reason.
 * Nothing here writes.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { holdKey, outcomeKey } from '../../accounting/ledger-keys.js'
import { MalformedMessageError, SelectorLimitError, UnknownPolicyError } from '../../protocol/errors.js'
import { checkSyncRequestTime, decodeSyncRequest, verifySyncRequestSignature } from '../../protocol/relay-sync/codec.js'
import { selectorDepth } from '../../protocol/selector/encode.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import { selectorCid } from '../../protocol/transfer-record.js'
import { SyncReplayedError } from './errors.js'
import type { StoredPolicy } from '../../accounting/policy-store.js'
import type { LedgerDatabase } from '../../accounting/ledger-state.js'
import type { SyncRequest } from '../../protocol/relay-sync/messages.js'
import type { Selector } from '../../protocol/selector/types.js'
import type { PolicySelection } from '../../protocol/policy-document.js'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The policy store methods admission uses. */
export interface AdmissionPolicies {
  current: (nowMs?: number) => Promise<StoredPolicy>
  select: (cid: CID, nowMs?: number) => Promise<PolicySelection>
  history: () => Promise<StoredPolicy[]>
}

/** What admission reads. */
export interface AdmissionContext {
  nowMs: number
  policies: AdmissionPolicies
  /** Ids admitted and not finished, as hex. */
  inFlight: ReadonlySet<string>
  /** The ledger's database, to find holds and outcomes by id; without it replays are caught at the hold. */
  db?: Pick<LedgerDatabase, 'get'>
}

/** A request that passed every check before concurrency and the hold. */
export interface AdmittedRequest {
  request: SyncRequest
  /** Hex of the request id. */
  idHex: string
  target: PeerId
  /** The pinned policy: its prices and per-sync limits apply. */
  policy: StoredPolicy
  /** The current policy: its concurrency limits apply. */
  current: StoredPolicy
  selector: Selector
  selectorCid: CID
}

/** Hex of bytes. */
export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function targetOf (peer: Uint8Array): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(peer))
  } catch {
    throw new MalformedMessageError('peer', 'not a peer id multihash')
  }
}

async function seen (ctx: AdmissionContext, request: SyncRequest, idHex: string): Promise<boolean> {
  if (ctx.inFlight.has(idHex)) return true
  if (ctx.db === undefined) return false
  return await ctx.db.get(outcomeKey(request.id)) !== undefined || await ctx.db.get(holdKey(request.id)) !== undefined
}

/** Runs the checks in order on the request frame's bytes; throws the first failure's typed error. */
export async function admitRequest (bytes: Uint8Array, ctx: AdmissionContext): Promise<AdmittedRequest> {
  const request = decodeSyncRequest(bytes)
  const target = targetOf(request.peer)
  verifySyncRequestSignature(request)
  const current = await ctx.policies.current(ctx.nowMs)
  checkSyncRequestTime(request, ctx.nowMs, current.doc.limits.requestClockSkewMs)
  const idHex = hex(request.id)
  if (await seen(ctx, request, idHex)) throw new SyncReplayedError(idHex)
  if (await ctx.policies.select(request.policy, ctx.nowMs) === 'unknown') throw new UnknownPolicyError(request.policy.toString())
  const policy = (await ctx.policies.history()).find((p) => p.cid.equals(request.policy))
  if (policy === undefined) throw new UnknownPolicyError(request.policy.toString())
  const maxDepth = policy.doc.limits.maxSelectorDepth
  const selector = parseSelector(request.sel, { maxRecursionDepth: maxDepth })
  // parse already bounds each recursion limit; the overall depth is checked again for clarity
  if (selectorDepth(selector) > maxDepth) throw new SelectorLimitError('depth', maxDepth)
  return { request, idHex, target, policy, current, selector, selectorCid: selectorCid(request.sel) }
}
