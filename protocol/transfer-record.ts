/**
 * Transfer records (DESIGN.md §5.4): the value the transfer log's HAMT stores under each `seq`, one
 * per finished sync. On the wire `status` is the outcome's code from protocol/status.ts; in code it
 * is the outcome's name. Records are stored inline in HAMT buckets, so the node form
 * (`transferRecordToNode` / `transferRecordFromNode`) matters as much as the encoded one.
 */
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { DAG_CBOR_CODE } from './block.js'
import { MAX_FLAT_MESSAGE_CBOR_DEPTH, MAX_TRANSFER_RECORD_BYTES } from './constants.js'
import { MalformedMessageError } from './errors.js'
import { sha256 } from './hashes.js'
import { SYNC_OUTCOME_TABLE, syncOutcomeCode, syncOutcomeFromCode } from './status.js'
import {
  addressSchema, amountSchema, cidSchema, countSchema, decodeMessage, encodeNode, parseNode, peerIdSchema,
  requestIdSchema, timeMsSchema
} from './wire-schema.js'
import type { SyncOutcome } from './status.js'

/** One finished sync, as logged and as returned in a receipt. */
export interface TransferRecord {
  /** Position in the log: 0, 1, 2, … (the HAMT key is its 8-byte big-endian form). */
  seq: number
  /** The SyncRequest id. */
  requestId: Uint8Array
  /** The paying TAU address. */
  payer: Uint8Array
  /** The target's peer id bytes. */
  peer: Uint8Array
  /** The root synced (as resolved), or null when none was resolved. */
  root: CID | null
  /** CID of the selector node (see `selectorCid`); null only for a `reservation` fee record. */
  selector: CID | null
  blocks: number
  bytes: number
  /** Bytes paid by the free quota; ≤ bytes. */
  freeBytes: number
  /** nanoTAU charged. */
  charge: bigint
  status: SyncOutcome
  startMs: number
  /** ≥ startMs. */
  endMs: number
}

/** Bytes of a transfer log key: `seq` as an unsigned 64-bit big-endian integer. */
export const TRANSFER_LOG_KEY_BYTES = 8

const outcomeNames = SYNC_OUTCOME_TABLE.map((e) => e.name) as [SyncOutcome, ...SyncOutcome[]]

const commonShape = {
  seq: countSchema,
  requestId: requestIdSchema,
  payer: addressSchema,
  peer: peerIdSchema,
  root: cidSchema.nullable(),
  selector: cidSchema.nullable(),
  blocks: countSchema,
  bytes: countSchema,
  freeBytes: countSchema,
  charge: amountSchema,
  startMs: timeMsSchema,
  endMs: timeMsSchema
}

const recordSchema = z.strictObject({ ...commonShape, status: z.enum(outcomeNames) })
const recordNodeSchema = z.strictObject({
  ...commonShape,
  status: countSchema.refine((code) => syncOutcomeFromCode(code) !== undefined, { error: 'unknown sync outcome code' })
    .transform((code) => syncOutcomeFromCode(code) as SyncOutcome)
})

function checkRelations (record: TransferRecord, prefix: string): TransferRecord {
  const at = (field: string): string => (prefix === '' ? field : `${prefix}.${field}`)
  if (record.freeBytes > record.bytes) throw new MalformedMessageError(at('freeBytes'), 'more free bytes than bytes')
  if (record.endMs < record.startMs) throw new MalformedMessageError(at('endMs'), 'ends before it starts')
  // a reservation fee moves no blocks and names no selector; every sync names its selector
  if ((record.status === 'reservation') !== (record.selector === null)) throw new MalformedMessageError(at('selector'), 'selector is null exactly for a reservation record')
  if (record.status === 'reservation' && (record.blocks !== 0 || record.bytes !== 0 || record.root !== null)) throw new MalformedMessageError(at('blocks'), 'a reservation record moves no blocks')
  return record
}

/** Checks a decoded record node (status as a code); `path` prefixes field names in errors. */
export function transferRecordFromNode (node: unknown, path = ''): TransferRecord {
  return checkRelations(parseNode(recordNodeSchema, node, path), path)
}

/** The IPLD node of a record (status as its code), after checking the record. */
export function transferRecordToNode (record: TransferRecord): Record<string, unknown> {
  const checked = checkRelations(parseNode(recordSchema, record), '')
  return { ...checked, status: syncOutcomeCode(checked.status) }
}

/** Encodes a record as canonical DAG-CBOR. */
export function encodeTransferRecord (record: TransferRecord): Uint8Array {
  return encodeNode(transferRecordToNode(record))
}

/** Decodes a record strictly: bounded, exact fields, known status code, canonical bytes. */
export function decodeTransferRecord (bytes: Uint8Array): TransferRecord {
  return decodeMessage(bytes, (node) => transferRecordFromNode(node), {
    maxBytes: MAX_TRANSFER_RECORD_BYTES, maxDepth: MAX_FLAT_MESSAGE_CBOR_DEPTH
  })
}

/** The transfer log's HAMT key of `seq`: 8 bytes, big-endian. */
export function transferLogKey (seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('seq must be a non-negative safe integer')
  const key = new Uint8Array(TRANSFER_LOG_KEY_BYTES)
  new DataView(key.buffer).setBigUint64(0, BigInt(seq))
  return key
}

/** The CID a record names a selector by: CIDv1, dag-cbor, sha2-256 of the selector node's encoding. */
export function selectorCid (selector: unknown): CID {
  return CID.createV1(DAG_CBOR_CODE, sha256.digest(encodeNode(selector)))
}
