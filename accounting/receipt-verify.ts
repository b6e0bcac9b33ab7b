/**
 * Offline verification of transfer receipts and log chains, from the bytes alone (DESIGN.md §5.4,
 * `tau-relay log verify`). A receipt verifies when: every block of its CAR hashes to its CID; the
 * CAR's root is the first block, a well-formed log head signed by the expected relay TAU address;
 * the remaining blocks are exactly the HAMT lookup path of the record's 8-byte seq under the head's
 * `hamt`; the value found there is a well-formed record with that seq, below the head's `count`;
 * and it equals the record the receipt (or the caller) claims, field by field.
 */
import { equals } from 'multiformats/bytes'
import { decodeLogHead, encodeLogHead, logHeadCid, verifyLogHead } from '../protocol/log-head.js'
import { verifyHamtPath } from '../protocol/hamt/proof.js'
import { maxLevels } from '../protocol/hamt/key-hash.js'
import { resolveHamtOptions } from '../protocol/hamt/types.js'
import { transferLogKey, transferRecordFromNode, encodeTransferRecord } from '../protocol/transfer-record.js'
import { InvalidReceiptError, LogChainBrokenError } from './errors.js'
import { readReceiptCar } from './receipt-car.js'
import { TRANSFER_LOG_HAMT_OPTIONS } from './transfer-log-keys.js'
import type { LogHead } from '../protocol/log-head.js'
import type { HamtOptions } from '../protocol/hamt/types.js'
import type { TransferRecord } from '../protocol/transfer-record.js'
import type { CID } from 'multiformats/cid'

/** A receipt as the relay returns it: the record, the signed head containing it, the proof CAR. */
export interface TransferReceipt {
  record: TransferRecord
  head: LogHead
  proof: Uint8Array
}

/** What a verifier must know: whose key signs the heads; optionally what record to expect. */
export interface VerifyReceiptOptions {
  /** The relay's 20-byte TAU address (from its policy document). */
  expectedRelayAddress: Uint8Array
  /** The record the caller expects; required (or `seq`) when only CAR bytes are given. */
  expectedRecord?: TransferRecord
  /** The seq to look up when only CAR bytes are given and no record is expected. */
  seq?: number
  /** The log's HAMT options. @default TRANSFER_LOG_HAMT_OPTIONS */
  hamt?: HamtOptions
}

/** A verified receipt. */
export interface VerifiedReceipt {
  ok: true
  head: LogHead
  headCid: CID
  record: TransferRecord
}

function headOf (bytes: Uint8Array): LogHead {
  try {
    return decodeLogHead(bytes)
  } catch (err: unknown) {
    throw new InvalidReceiptError('bad_head', `invalid receipt: log head: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Verifies a receipt (object or proof CAR bytes) offline; throws InvalidReceiptError naming the first failure. */
export function verifyReceipt (input: TransferReceipt | Uint8Array, options: VerifyReceiptOptions): VerifiedReceipt {
  const config = resolveHamtOptions(options.hamt ?? TRANSFER_LOG_HAMT_OPTIONS)
  const claimed = input instanceof Uint8Array ? options.expectedRecord : input.record
  const seq = claimed?.seq ?? options.seq
  if (seq === undefined || !Number.isSafeInteger(seq) || seq < 0) {
    throw new InvalidReceiptError('record_absent', 'invalid receipt: no seq to look up (give expectedRecord or seq)')
  }
  const { root, blocks } = readReceiptCar(input instanceof Uint8Array ? input : input.proof, 1 + maxLevels(config.bitWidth))
  const [first, ...path] = blocks
  if (first === undefined || !first.cid.equals(root)) throw new InvalidReceiptError('head_block_missing', 'invalid receipt: the first block is not the root head')
  const head = headOf(first.bytes)
  if (!(input instanceof Uint8Array) && !equals(encodeLogHead(input.head), first.bytes)) {
    throw new InvalidReceiptError('head_mismatch', 'invalid receipt: the head differs from the head in the proof')
  }
  try {
    verifyLogHead(head, options.expectedRelayAddress)
  } catch (err: unknown) {
    throw new InvalidReceiptError('bad_signature', `invalid receipt: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (seq >= head.count) throw new InvalidReceiptError('seq_out_of_range', `invalid receipt: seq ${seq} is not below the head's count ${head.count}`)
  let found
  try {
    found = verifyHamtPath(head.hamt, path, transferLogKey(seq), config)
  } catch (err: unknown) {
    throw new InvalidReceiptError('proof_invalid', `invalid receipt: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!found.found) throw new InvalidReceiptError('record_absent', `invalid receipt: the proof shows seq ${seq} absent`)
  let record: TransferRecord
  try {
    record = transferRecordFromNode(found.value)
  } catch (err: unknown) {
    throw new InvalidReceiptError('record_malformed', `invalid receipt: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (record.seq !== seq) throw new InvalidReceiptError('record_mismatch', `invalid receipt: the record under ${seq} has seq ${record.seq}`)
  for (const expected of [claimed, options.expectedRecord]) {
    if (expected !== undefined && !equals(encodeTransferRecord(expected), encodeTransferRecord(record))) {
      throw new InvalidReceiptError('record_mismatch', 'invalid receipt: the logged record differs from the claimed record')
    }
  }
  return { ok: true, head, headCid: root, record }
}

/** Options of `verifyLogChain`. */
export interface VerifyLogChainOptions {
  /** Also verify every head's signature against this TAU address. */
  expectedRelayAddress?: Uint8Array
}

/**
 * Verifies consecutive heads (objects or encoded bytes, oldest first): each is well formed,
 * numbered one after the previous, links to its CID, holds more records, and comes from the same
 * relay peer. Returns the CIDs of the heads. Throws LogChainBrokenError at the first bad link.
 */
export function verifyLogChain (heads: ReadonlyArray<LogHead | Uint8Array>, options: VerifyLogChainOptions = {}): CID[] {
  const cids: CID[] = []
  let previous: LogHead | undefined
  heads.forEach((input, index) => {
    let head: LogHead
    let bytes: Uint8Array
    try {
      head = input instanceof Uint8Array ? decodeLogHead(input) : input
      bytes = encodeLogHead(head)
      if (options.expectedRelayAddress !== undefined) verifyLogHead(head, options.expectedRelayAddress)
    } catch (err: unknown) {
      throw new LogChainBrokenError(index, err instanceof Error ? err.message : String(err))
    }
    if (previous !== undefined) {
      const prevCid = cids[index - 1]
      if (head.seq !== previous.seq + 1) throw new LogChainBrokenError(index, `seq ${head.seq} does not follow ${previous.seq}`)
      if (head.prev === null || !head.prev.equals(prevCid)) throw new LogChainBrokenError(index, 'prev is not the CID of the previous head')
      if (head.count <= previous.count) throw new LogChainBrokenError(index, `count ${head.count} does not grow from ${previous.count}`)
      if (!equals(head.relay, previous.relay)) throw new LogChainBrokenError(index, 'signed by another relay peer')
    }
    cids.push(logHeadCid(bytes))
    previous = head
  })
  return cids
}
