/**
 * Test helper: every forgery of one genuine receipt — each record field changed (every byte of
 * the byte fields), each head field changed (every bit of the signature), the head re-signed by
 * another key or swapped for another genuine head, and the proof CAR with each block flipped,
 * rehashed, removed, duplicated or moved, truncated at every length, flipped in every byte, given
 * extra or wrong roots, extra blocks, or another head's path. Each forgery is a whole receipt.
 */
import { blockLength, createWriter, headerLength } from '@ipld/car/buffer-writer'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { readReceiptCar } from '../../accounting/receipt-car.js'
import { blake2b256 } from '../../protocol/hashes.js'
import { encodeLogHead, logHeadCid, signLogHead } from '../../protocol/log-head.js'
import { SYNC_OUTCOME_TABLE } from '../../protocol/status.js'
import { testKey } from '../helpers/ledger.js'
import type { LogReceipt } from '../../accounting/transfer-log.js'
import type { TransferReceipt } from '../../accounting/receipt-verify.js'
import type { ProofBlock } from '../../protocol/hamt/proof.js'
import type { LogHead } from '../../protocol/log-head.js'
import type { TransferRecord } from '../../protocol/transfer-record.js'

/** One forged receipt and what was done to it. */
export interface Forgery { name: string, receipt: TransferReceipt }

/** A dag-cbor CID no genuine receipt contains. */
const OTHER_CID = CID.createV1(0x71, blake2b256.digest(new TextEncoder().encode('forged')))

/** A CARv1 with any roots (also none or several) and the given blocks. */
export function carWith (roots: CID[], blocks: readonly ProofBlock[]): Uint8Array {
  let size = headerLength({ roots })
  for (const block of blocks) size += blockLength(block)
  const writer = createWriter(new ArrayBuffer(size), { roots })
  for (const block of blocks) writer.write(block)
  return writer.close()
}

function flipByte (bytes: Uint8Array, at: number, mask = 1): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[at] ^= mask
  return out
}

function numberVariants (n: number): number[] {
  return [n + 1, n - 1, 0, Number.MAX_SAFE_INTEGER].filter((v) => v !== n && v >= 0)
}

/** The record with each field changed, in every way that keeps it well typed. */
function recordForgeries (record: TransferRecord): Array<[string, TransferRecord]> {
  const out: Array<[string, TransferRecord]> = []
  for (const field of ['seq', 'blocks', 'bytes', 'freeBytes', 'startMs', 'endMs'] as const) {
    for (const v of numberVariants(record[field])) out.push([`record.${field} = ${v}`, { ...record, [field]: v }])
  }
  for (const field of ['requestId', 'payer', 'peer'] as const) {
    record[field].forEach((_, i) => out.push([`record.${field}[${i}] flipped`, { ...record, [field]: flipByte(record[field], i) }]))
  }
  out.push(['record.root = other', { ...record, root: OTHER_CID }], ['record.root = null', { ...record, root: null }])
  out.push(['record.selector = other', { ...record, selector: OTHER_CID }])
  for (const charge of [record.charge + 1n, record.charge - 1n, 0n, (1n << 63n) - 1n]) out.push([`record.charge = ${charge}`, { ...record, charge }])
  for (const { name } of SYNC_OUTCOME_TABLE) if (name !== record.status) out.push([`record.status = ${name}`, { ...record, status: name }])
  return out
}

/** The head with each field changed (unsigned fields keep the genuine signature). */
function headForgeries (head: LogHead, others: readonly LogHead[]): Array<[string, LogHead]> {
  const out: Array<[string, LogHead]> = []
  out.push(['head.v = 2', { ...head, v: 2 as 1 }])
  for (const field of ['seq', 'count', 'tsMs'] as const) {
    for (const v of numberVariants(head[field])) out.push([`head.${field} = ${v}`, { ...head, [field]: v }])
  }
  for (const other of others) out.push([`head.hamt = head ${other.seq}'s`, { ...head, hamt: other.hamt }])
  out.push(['head.hamt = other', { ...head, hamt: OTHER_CID }], ['head.prev = other', { ...head, prev: OTHER_CID }])
  head.relay.forEach((_, i) => out.push([`head.relay[${i}] flipped`, { ...head, relay: flipByte(head.relay, i) }]))
  for (let bit = 0; bit < head.sig.length * 8; bit++) {
    out.push([`head.sig bit ${bit} flipped`, { ...head, sig: flipByte(head.sig, bit >> 3, 1 << (bit & 7)) }])
  }
  return out
}

/** `receipt` with its head replaced, in the object only and in the CAR too (as root and first block). */
function withHead (receipt: LogReceipt, path: readonly ProofBlock[], name: string, head: LogHead): Forgery[] {
  let bytes: Uint8Array
  try {
    bytes = encodeLogHead(head)
  } catch {
    // a head no encoder writes (v: 2) still goes in as an object
    return [{ name: `${name} (object)`, receipt: { ...receipt, head } }]
  }
  const cid = logHeadCid(bytes)
  return [
    { name: `${name} (object)`, receipt: { ...receipt, head } },
    { name: `${name} (object and CAR)`, receipt: { ...receipt, head, proof: carWith([cid], [{ cid, bytes }, ...path]) } }
  ]
}

/** Block-level forgeries of the CAR: each block flipped, rehashed, removed, duplicated, moved. */
function blockForgeries (root: CID, blocks: readonly ProofBlock[], strangers: readonly ProofBlock[]): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = []
  const car = (list: readonly ProofBlock[]): Uint8Array => carWith([root], list)
  blocks.forEach((block, i) => {
    const flipped = flipByte(block.bytes, block.bytes.length - 1)
    const rehashed = { cid: CID.createV1(0x71, blake2b256.digest(flipped)), bytes: flipped }
    out.push([`block ${i} flipped`, car(blocks.map((b, j) => (j === i ? { cid: b.cid, bytes: flipped } : b)))])
    out.push([`block ${i} flipped and rehashed`, car(blocks.map((b, j) => (j === i ? rehashed : b)))])
    out.push([`block ${i} removed`, car(blocks.filter((_, j) => j !== i))])
    out.push([`block ${i} duplicated`, car([...blocks.slice(0, i + 1), block, ...blocks.slice(i + 1)])])
    out.push([`block ${i} moved to the end`, car([...blocks.filter((_, j) => j !== i), block])])
    if (i + 1 < blocks.length) out.push([`blocks ${i} and ${i + 1} swapped`, car([...blocks.slice(0, i), blocks[i + 1], block, ...blocks.slice(i + 2)])])
  })
  out.push(['blocks reversed', car([...blocks].reverse())])
  strangers.forEach((b, i) => {
    out.push([`stranger block ${i} appended`, car([...blocks, b])])
    out.push([`stranger block ${i} replacing the last`, car([...blocks.slice(0, -1), b])])
  })
  out.push(['no roots', carWith([], blocks)], ['an extra root', carWith([root, OTHER_CID], blocks)])
  out.push(['the root twice', carWith([root, root], blocks)], ['another root', carWith([OTHER_CID], blocks)])
  out.push(['another root first', carWith([OTHER_CID, root], blocks)])
  return out
}

/**
 * Every forgery of `receipt`. `heads` are the log's other genuine heads (oldest first) and
 * `otherProofs` proofs of other receipts (their blocks become strangers and foreign paths).
 */
export function forgeries (receipt: LogReceipt, heads: readonly LogHead[], otherProofs: readonly Uint8Array[]): Forgery[] {
  const { root, blocks } = readReceiptCar(receipt.proof, 100)
  const path = blocks.slice(1)
  const others = heads.filter((h) => h.seq !== receipt.head.seq)
  const strangers = otherProofs.flatMap((p) => readReceiptCar(p, 100).blocks).filter((b) => !blocks.some((o) => o.cid.equals(b.cid)))
  const out: Forgery[] = []
  for (const [name, record] of recordForgeries(receipt.record)) out.push({ name, receipt: { ...receipt, record } })
  for (const [name, head] of headForgeries(receipt.head, others)) out.push(...withHead(receipt, path, name, head))
  const { sig: _sig, ...unsigned } = receipt.head
  out.push(...withHead(receipt, path, 'head signed by another key', signLogHead(unsigned, testKey('mallory').privateKey)))
  for (const other of others) out.push(...withHead(receipt, path, `genuine head ${other.seq} with this path`, other))
  for (const proof of otherProofs) {
    const foreign = readReceiptCar(proof, 100).blocks.slice(1)
    out.push({ name: 'this head with another record\'s path', receipt: { ...receipt, proof: carWith([root], [blocks[0], ...foreign]) } })
  }
  for (const [name, proof] of blockForgeries(root, blocks, strangers)) {
    // moving the only path block to the end changes nothing: not a forgery
    if (!equals(proof, receipt.proof)) out.push({ name, receipt: { ...receipt, proof } })
  }
  for (let length = 0; length < receipt.proof.length; length++) {
    out.push({ name: `CAR truncated to ${length} bytes`, receipt: { ...receipt, proof: receipt.proof.subarray(0, length) } })
  }
  // every byte once, the bit rotating with the position (every bit of 3 KB would be 24k verifies)
  for (let at = 0; at < receipt.proof.length; at++) {
    out.push({ name: `CAR byte ${at} bit ${at % 8} flipped`, receipt: { ...receipt, proof: flipByte(receipt.proof, at, 1 << (at % 8)) } })
  }
  return out
}
