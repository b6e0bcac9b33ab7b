/**
 * The receipt file `tau-relay fetch --receipt FILE` writes and `tau-relay log verify --receipt
 * FILE` reads: DAG-CBOR `{v: 1, relay: TAU address bytes, receipt: {record, head, proof}}`. The
 * `relay` field names the address whose key must have signed the head (the one from the policy
 * the requester accepted); verification recovers the signer and compares, so a file cannot make
 * a forged head pass for another address's.
 */
import { z } from 'zod'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_MESSAGE_CBOR_ITEMS, MAX_SYNC_RESULT_FRAME_BYTES } from '../../protocol/constants.js'
import { logHeadCid, logHeadFromNode } from '../../protocol/log-head.js'
import { transferRecordFromNode, transferRecordToNode } from '../../protocol/transfer-record.js'
import { addressSchema, bytesSchema, decodeMessage, encodeNode, parseNode } from '../../protocol/wire-schema.js'
import type { VerifiedReceipt } from '../../accounting/receipt-verify.js'
import type { SyncReceipt } from '../../protocol/relay-sync/messages.js'

/** A receipt with the relay address it must verify against. */
export interface ReceiptFile {
  v: 1
  relay: Uint8Array
  receipt: SyncReceipt
}

const fileSchema = z.strictObject({
  v: z.literal(1),
  relay: addressSchema,
  receipt: z.strictObject({ record: z.unknown(), head: z.unknown(), proof: bytesSchema(1, MAX_SYNC_RESULT_FRAME_BYTES) })
})

/** Encodes a receipt file. */
export function encodeReceiptFile (file: ReceiptFile): Uint8Array {
  return encodeNode({
    v: 1,
    relay: file.relay,
    receipt: { record: transferRecordToNode(file.receipt.record), head: file.receipt.head, proof: file.receipt.proof }
  })
}

/** Decodes a receipt file strictly (shape only; verify it with `verifyReceiptFile`). */
export function decodeReceiptFile (bytes: Uint8Array): ReceiptFile {
  return decodeMessage(bytes, (node) => {
    const parsed = parseNode(fileSchema, node)
    return {
      v: 1,
      relay: parsed.relay,
      receipt: {
        record: transferRecordFromNode(parsed.receipt.record, 'receipt.record'),
        head: logHeadFromNode(parsed.receipt.head, 'receipt.head'),
        proof: parsed.receipt.proof
      }
    }
  }, { maxBytes: MAX_SYNC_RESULT_FRAME_BYTES * 2, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH, maxItems: MAX_MESSAGE_CBOR_ITEMS })
}

/** Verifies a receipt file offline; throws InvalidReceiptError naming the first failure. */
export function verifyReceiptFile (file: ReceiptFile): VerifiedReceipt & { logRoot: string } {
  const verified = verifyReceipt(file.receipt, { expectedRelayAddress: file.relay })
  return { ...verified, logRoot: logHeadCid(file.receipt.head).toString() }
}
