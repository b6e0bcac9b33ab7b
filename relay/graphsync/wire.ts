/**
 * Framing and block bookkeeping around the pure codec: a message becomes one unsigned-varint
 * length-prefixed frame, and a received message's blocks are hashed once into a CID-keyed pool
 * that the responses of that message claim through their `p` metadata.
 */
import { Buffer } from 'node:buffer'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { Uint8ArrayList } from 'uint8arraylist'
import { BlockTooLargeError, BlockHashMismatchError, UnexpectedBlockError } from '../../protocol/errors.js'
import { cidFromPrefix } from '../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { GraphsyncMessageTooLargeError } from './errors.js'
import type { GraphsyncMessage, GraphsyncResponse } from '../../protocol/graphsync/message.js'

/**
 * Encodes `message` and prefixes its length; a body over `maxMessageBytes` is refused. The frame is
 * the prefix and the body side by side, not one copy of both: a 512 KiB response would otherwise be
 * copied once more on its way to the stream (the bench measured every copy as GC time).
 */
export function frameMessage (message: GraphsyncMessage, maxMessageBytes: number): Uint8ArrayList {
  const body = encodeGraphsyncMessage(message)
  if (body.byteLength > maxMessageBytes) throw new GraphsyncMessageTooLargeError(body.byteLength, maxMessageBytes)
  const prefix = new Uint8Array(varint.encodingLength(body.byteLength))
  varint.encodeTo(body.byteLength, prefix, 0)
  return new Uint8ArrayList(prefix, body)
}

/**
 * Decodes a received frame (which nothing else holds or reuses) with one copy of its blocks less.
 * cborg copies every byte string it tokenizes (`Uint8Array#slice`): once in the bounded pre-scan,
 * which keeps nothing, and again in the decode. A `Buffer`'s `slice` is a view, so the frame goes in
 * as a `Buffer`: the pre-scan then copies nothing (245 → 2 µs for a 512 KiB message) and, with
 * `shareInputBytes`, the decode neither (~100 → 12 µs): block data are views of the frame. So nothing
 * small may pin it: block data become plain `Uint8Array` views, request ids and metadata CIDs are
 * copied, and a message carrying requests is decoded the ordinary way.
 */
export function decodeFrame (frame: Uint8Array, maxMessageBytes: number): GraphsyncMessage {
  const message = decodeGraphsyncMessage(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), { maxMessageBytes, shareInputBytes: true })
  if (message.requests !== undefined && message.requests.length > 0) return decodeGraphsyncMessage(frame, { maxMessageBytes })
  if (message.blocks !== undefined) {
    message.blocks = message.blocks.map(({ prefix, data }) => ({ prefix, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }))
  }
  if (message.responses !== undefined) {
    message.responses = message.responses.map((response) => ({
      ...response,
      requestId: new Uint8Array(response.requestId),
      metadata: response.metadata?.map(({ link, action }) => ({ link: CID.decode(link.bytes), action }))
    }))
  }
  return message
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
