/**
 * Reading an attachment's piece index (a HAMT keyed by uvarint piece number, protocol/attachment.ts)
 * from a remote peer without fetching any piece. Design: level by level. Level 0 is the root alone
 * (selector: a Matcher); each later level is one selector of the exact paths to the child nodes
 * the previous level linked to (`1/<pointer>` per node, a trie of ExploreFields, never into a
 * bucket's values), so a sync carries the HAMT nodes on those paths and nothing else; a wide level
 * is split over several syncs. A recursive selector cannot do it: a bucket value is a link to the
 * raw piece, and an ExploreRecursive edge at a link loads it.
 *
 * Each node is read with the strict HAMT reader (hash, shape, collapse rules), every key must sit
 * in the slot its hash names at every depth (the reader leaves that to lookups), keys must be
 * exactly 1..m and values raw CIDv1 links. The result maps piece n to its CID and to the exact
 * path of the walk to it, with the HAMT nodes on the way (what a unit's sync re-sends).
 */
import { attachmentPieceKey, ATTACHMENT_HAMT_OPTIONS, parseAttachmentPieceKey, parseAttachmentPieceValue } from '../../protocol/attachment.js'
import { hashKey, maxLevels, slotIndex } from '../../protocol/hamt/key-hash.js'
import { isBucket } from '../../protocol/hamt/node.js'
import { decodeNode } from '../../protocol/hamt/node-reader.js'
import { resolveHamtOptions } from '../../protocol/hamt/types.js'
import { entryValue } from '../../protocol/hamt/value.js'
import { AttachmentIndexError } from './errors.js'
import { MAX_INDEX_NODE_BYTES, MAX_INDEX_NODES_PER_SYNC } from './constants.js'
import type { SelectorPath } from './path-selector.js'
import type { HamtNode } from '../../protocol/hamt/node.js'
import type { CID } from 'multiformats/cid'

/** Where piece n is: its CID, the walk's path to it, and the HAMT nodes on the way (root first). */
export interface PieceLocation {
  readonly cid: CID
  readonly path: SelectorPath
  readonly nodes: readonly string[]
}

/** A verified attachment index. */
export interface AttachmentIndex {
  readonly root: CID
  /** m: the number of pieces. */
  readonly pieces: number
  /** `locations[n - 1]` is piece n. */
  readonly locations: readonly PieceLocation[]
  /** Byte size of each HAMT node, by CID string. */
  readonly nodeBytes: ReadonlyMap<string, number>
}

/**
 * Fetches the blocks of an exact-paths selector (one sync) and returns them verified, in walk
 * order; `sizes` bounds every block the sync carries (for its caps and price).
 */
export type FetchIndexBlocks = (paths: SelectorPath[], sizes: number[]) => Promise<Array<{ cid: CID, bytes: Uint8Array }>>

interface Frontier {
  readonly cid: CID
  readonly path: SelectorPath
  /** Ancestors' CIDs, root first (not the node itself). */
  readonly ancestors: readonly string[]
  /** Slot index at each depth on the way here. */
  readonly slots: readonly number[]
}

const CONFIG = resolveHamtOptions(ATTACHMENT_HAMT_OPTIONS)

/** Fetches and verifies the index of an attachment of `pieces` pieces rooted at `root`. */
export async function fetchAttachmentIndex (root: CID, pieces: number, fetch: FetchIndexBlocks): Promise<AttachmentIndex> {
  attachmentPieceKey(pieces) // m itself must be a valid piece number
  const locations: Array<PieceLocation | undefined> = new Array<PieceLocation | undefined>(pieces).fill(undefined)
  const nodeBytes = new Map<string, number>()
  let frontier: Frontier[] = [{ cid: root, path: [], ancestors: [], slots: [] }]
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth >= maxLevels(CONFIG.bitWidth)) throw new AttachmentIndexError('too_deep', 0)
    const next: Frontier[] = []
    for (let start = 0; start < frontier.length; start += MAX_INDEX_NODES_PER_SYNC) {
      const batch = frontier.slice(start, start + MAX_INDEX_NODES_PER_SYNC)
      const ancestors = new Set(batch.flatMap((f) => f.ancestors))
      const sizes = [...[...ancestors].map((cid) => nodeBytes.get(cid) ?? MAX_INDEX_NODE_BYTES), ...batch.map(() => MAX_INDEX_NODE_BYTES)]
      const blocks = new Map((await fetch(batch.map((f) => f.path), sizes)).map((b) => [b.cid.toString(), b.bytes]))
      for (const item of batch) {
        const bytes = blocks.get(item.cid.toString())
        // the client's walk already proved the sync delivered every block its selector reaches
        if (bytes === undefined) throw new AttachmentIndexError('missing_piece', 0, `index node ${item.cid.toString()} did not arrive`)
        nodeBytes.set(item.cid.toString(), bytes.byteLength)
        const node = decodeNode(item.cid, bytes, CONFIG, depth === 0)
        readNode(node, item, depth, locations, next, pieces)
      }
    }
    frontier = next
  }
  const missing = locations.findIndex((l) => l === undefined)
  if (missing >= 0) throw new AttachmentIndexError('missing_piece', missing + 1)
  return { root, pieces, locations: locations as PieceLocation[], nodeBytes }
}

function readNode (node: HamtNode, at: Frontier, depth: number, locations: Array<PieceLocation | undefined>, next: Frontier[], pieces: number): void {
  const nodes = [...at.ancestors, at.cid.toString()]
  let pointer = 0
  for (let slot = 0; slot < node.slots.length; slot++) {
    const content = node.slots[slot]
    if (content === undefined) continue
    const position = String(pointer++)
    const slots = [...at.slots, slot]
    if (!isBucket(content)) {
      if (content.cid === undefined) throw new AttachmentIndexError('missing_piece', 0, 'index link without a CID')
      next.push({ cid: content.cid, path: [...at.path, '1', position], ancestors: nodes, slots })
      continue
    }
    content.forEach((entry, b) => {
      const n = parseAttachmentPieceKey(entry.key)
      if (n > pieces) throw new AttachmentIndexError('extra_piece', n)
      const hash = hashKey(entry.key, CONFIG.hashAlg)
      for (let d = 0; d <= depth; d++) {
        if (slotIndex(hash, d, CONFIG.bitWidth) !== slots[d]) throw new AttachmentIndexError('misplaced_key', n)
      }
      // a well-placed key is unique: another copy would sit in this same bucket, which the reader rejects
      locations[n - 1] = { cid: parseAttachmentPieceValue(entryValue(entry)), path: [...at.path, '1', position, String(b), '1'], nodes }
    })
  }
}
