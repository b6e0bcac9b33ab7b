/**
 * The requester's check of a relay's final result (DESIGN.md §4.1 step 6, §5.4): the counts equal
 * what arrived, the charge is within `maxCharge` and within the policy's full price of those
 * blocks, a `completed` status means the walk really finished, and the receipt verifies offline
 * (relay TAU signature on the head, the HAMT inclusion proof) with a record whose every field is
 * what this requester asked for and received.
 */
import { equals } from 'multiformats/bytes'
import { chargeBlocks } from '../../accounting/charge.js'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { logHeadCid } from '../../protocol/log-head.js'
import { RelayMisbehavedError, SyncRejectedError } from '../relay-sync/errors.js'
import type { SyncVerifier } from './sync-verifier.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { SyncRequest, SyncResult } from '../../protocol/relay-sync/messages.js'
import type { CID } from 'multiformats/cid'

/** A checked result; `logRoot` is the CID of the signed head holding the record (when logged). */
export interface CheckedSyncResult extends SyncResult {
  logRoot?: CID
  receiptVerified: boolean
}

function expect (ok: boolean, what: string, message: string): void {
  if (!ok) throw new RelayMisbehavedError(what, `relay misbehaved: ${message}`)
}

/** Checks `verifier`'s result against the request and the pinned policy; throws on any lie. */
export function checkSyncResult (request: SyncRequest, policy: PolicyDocument, verifier: SyncVerifier, selectorCid: CID): CheckedSyncResult {
  const result = verifier.result
  if (result === undefined) throw new RelayMisbehavedError('no_result', 'relay misbehaved: no result')
  if (result.status === 'rejected') {
    expect(verifier.blocks === 0, 'rejected_after_blocks', 'rejected after sending blocks')
    throw new SyncRejectedError(result.reason ?? 'internal_error')
  }
  expect(result.blocks === verifier.blocks, 'blocks', `result says ${result.blocks} blocks, ${verifier.blocks} arrived`)
  expect(result.bytes === verifier.bytes, 'bytes', `result says ${result.bytes} bytes, ${verifier.bytes} arrived`)
  expect(result.status !== 'completed' || verifier.walkFinished, 'completed', 'completed before the walk finished')
  expect(result.charge <= request.maxCharge, 'charge', `charge ${result.charge} exceeds maxCharge ${request.maxCharge}`)
  const fullPrice = chargeBlocks(verifier.sizes, { perBlockNanoTau: policy.pricing.perBlock, perMiBNanoTau: policy.pricing.perMiB }, 0)
  expect(result.charge <= fullPrice.chargeNanoTau, 'charge', `charge ${result.charge} exceeds the policy price ${fullPrice.chargeNanoTau}`)
  if (verifier.blocks > 0) {
    expect(result.root !== null && verifier.root !== null && result.root.equals(verifier.root), 'root', 'result root differs from the synced root')
    expect(request.root === null || (result.root?.equals(request.root) ?? false), 'root', 'result root differs from the requested root')
  }
  if (result.receipt === undefined) {
    expect(verifier.blocks === 0 && result.charge === 0n, 'receipt', 'blocks were charged without a receipt')
    return { ...result, receiptVerified: false }
  }
  const { record } = result.receipt
  try {
    verifyReceipt(result.receipt, { expectedRelayAddress: policy.relay.tau })
  } catch (err: unknown) {
    throw new RelayMisbehavedError('receipt', `relay misbehaved: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  expect(equals(record.requestId, request.id), 'record', 'record requestId differs')
  expect(equals(record.payer, request.payer), 'record', 'record payer differs')
  expect(equals(record.peer, request.peer), 'record', 'record peer differs')
  expect(record.selector?.equals(selectorCid) === true, 'record', 'record selector differs')
  expect(record.root === null ? result.root === null : result.root !== null && record.root.equals(result.root), 'record', 'record root differs')
  expect(record.blocks === verifier.blocks && record.bytes === verifier.bytes, 'record', 'record counts differ from what arrived')
  expect(record.charge === result.charge && record.freeBytes === result.freeBytes && record.status === result.status, 'record', 'record differs from the result')
  return { ...result, logRoot: logHeadCid(result.receipt.head), receiptVerified: true }
}
