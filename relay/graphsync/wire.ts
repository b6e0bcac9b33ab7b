/**
 * Framing and block bookkeeping around the pure codec: a message becomes one unsigned-varint
 * length-prefixed frame, and a received message's blocks are hashed once into a CID-keyed pool
 * that the responses of that message claim through their `p` metadata.
 */
import { varint } from 'multiformats'
import { BlockTooLargeError, BlockHashMismatchError, UnexpectedBlockError } from '../../protocol/errors.js'
import { cidFromPrefix } from '../../protocol/graphsync/block-prefix.js'
import { encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { GraphsyncMessageTooLargeError } from './errors.js'
import type { GraphsyncMessage, GraphsyncResponse } from '../../protocol/graphsync/message.js'
import type { CID } from 'multiformats/cid'

/** Encodes `message` and prefixes its length; a body over `maxMessageBytes` is refused. */
export function frameMessage (message: GraphsyncMessage, maxMessageBytes: number): Uint8Array {
  const body = encodeGraphsyncMessage(message)
  if (body.byteLength > maxMessageBytes) throw new GraphsyncMessageTooLargeError(body.byteLength, maxMessageBytes)
  const prefixBytes = varint.encodingLength(body.byteLength)
  const frame = new Uint8Array(prefixBytes + body.byteLength)
  varint.encodeTo(body.byteLength, frame, 0)
  frame.set(body, prefixBytes)
  return frame
}

/** A received block whose CID was computed from its bytes. */
export interface PooledBlock {
  readonly cid: CID
  readonly bytes: Uint8Array
}

/** The blocks of one received message, by CID string, and those no response claims. */
export interface BlockPool {
  readonly blocks: ReadonlyMap<string, PooledBlock>
  readonly orphans: readonly CID[]
}

/**
 * Hashes every block of a message (refusing blocks over `maxBlockBytes` before hashing) and finds
 * the orphans: blocks no `p` metadata of any response in the message names.
 */
export function poolBlocks (message: GraphsyncMessage, maxBlockBytes: number): BlockPool {
  const blocks = new Map<string, PooledBlock>()
  message.blocks?.forEach((block, i) => {
    if (block.data.byteLength > maxBlockBytes) throw new BlockTooLargeError(block.data.byteLength, maxBlockBytes)
    const cid = cidFromPrefix(block.prefix, block.data, `gs2.blk[${i}][0]`)
    blocks.set(cid.toString(), { cid, bytes: block.data })
  })
  const claimed = new Set<string>()
  for (const response of message.responses ?? []) {
    for (const entry of response.metadata ?? []) if (entry.action === 'present') claimed.add(entry.link.toString())
  }
  const orphans = [...blocks.values()].filter(({ cid }) => !claimed.has(cid.toString())).map(({ cid }) => cid)
  return { blocks, orphans }
}

/** One metadata entry of a response with the bytes of its block when it was sent. */
export interface ReceivedEntry {
  readonly link: CID
  readonly action: 'present' | 'duplicateNotSent' | 'missing' | 'duplicateDagSkipped'
  readonly bytes?: Uint8Array
}

/**
 * Pairs a response's metadata with the pool. A `p` entry without its block is a corrupt block when
 * the message carries an unclaimed one (its bytes hashed to another CID), else an absent block;
 * an unclaimed block is itself a block no metadata declared. Throws those typed errors.
 */
export function claimEntries (response: GraphsyncResponse, pool: BlockPool): ReceivedEntry[] {
  const entries: ReceivedEntry[] = []
  for (const { link, action } of response.metadata ?? []) {
    if (action !== 'present') {
      entries.push({ link, action })
      continue
    }
    const block = pool.blocks.get(link.toString())
    if (block === undefined) {
      if (pool.orphans.length > 0) throw new BlockHashMismatchError(link.toString())
      throw new UnexpectedBlockError(link.toString(), null, 'absent')
    }
    entries.push({ link, action, bytes: block.bytes })
  }
  if (pool.orphans.length > 0) throw new UnexpectedBlockError(pool.orphans[0].toString(), null, 'undeclared')
  return entries
}
