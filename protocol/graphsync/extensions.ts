/**
 * The graphsync v2 extensions we understand, with typed payload helpers. In v2 an extension's value
 * is an IPLD node carried inline in the message (v1 wrapped DAG-CBOR bytes), as written by
 * go-graphsync's `cidset` (a list of links), `donotsendfirstblocks` (an int) and `dedupkey`
 * (a string) packages. Unknown extensions are carried untouched and ignored (DESIGN.md §4.2).
 */
import { expectCount, expectLink, expectList, expectString } from './shape.js'
import type { GraphsyncExtensions } from './message.js'
import type { CID } from 'multiformats/cid'

/** Links the responder must not send blocks for (the requester already has them). */
export const EXTENSION_DO_NOT_SEND_CIDS = 'graphsync/do-not-send-cids'
/** Number of blocks, in traversal order, the responder must not send (resuming a transfer). */
export const EXTENSION_DO_NOT_SEND_FIRST_BLOCKS = 'graphsync/do-not-send-first-blocks'
/** Requests with the same key share deduplication of sent blocks on the responder. */
export const EXTENSION_DEDUP_BY_KEY = 'graphsync/dedup-by-key'
/** v1 only (v2 carries metadata in `meta`): a v2 peer ignores it like any unknown extension. */
export const EXTENSION_RESPONSE_METADATA_V1 = 'graphsync/response-metadata'

/** The do-not-send-cids value: a list of links, each CID once, in the order given. */
export function encodeDoNotSendCids (cids: Iterable<CID>): CID[] {
  const seen = new Set<string>()
  const list: CID[] = []
  for (const cid of cids) {
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    list.push(cid)
  }
  return list
}

/** Reads a do-not-send-cids value: a list of links (go-graphsync `cidset.DecodeCidSet`), deduplicated. */
export function decodeDoNotSendCids (value: unknown, field = `ext.${EXTENSION_DO_NOT_SEND_CIDS}`): CID[] {
  return encodeDoNotSendCids(expectList(value, field).map((item, i) => expectLink(item, `${field}[${i}]`)))
}

/** The do-not-send-first-blocks value: a non-negative block count. */
export function encodeDoNotSendFirstBlocks (count: number): number {
  return expectCount(count, `ext.${EXTENSION_DO_NOT_SEND_FIRST_BLOCKS}`)
}

/** Reads a do-not-send-first-blocks value: an int (go's int64) that must be a non-negative count. */
export function decodeDoNotSendFirstBlocks (value: unknown, field = `ext.${EXTENSION_DO_NOT_SEND_FIRST_BLOCKS}`): number {
  return expectCount(value, field)
}

/** The dedup-by-key value: the key string. */
export function encodeDedupByKey (key: string): string {
  return expectString(key, `ext.${EXTENSION_DEDUP_BY_KEY}`)
}

/** Reads a dedup-by-key value: a string. */
export function decodeDedupByKey (value: unknown, field = `ext.${EXTENSION_DEDUP_BY_KEY}`): string {
  return expectString(value, field)
}

/** The known extensions of a request, decoded; absent ones are undefined, unknown ones ignored. */
export interface KnownGraphsyncExtensions {
  doNotSendCids?: CID[]
  doNotSendFirstBlocks?: number
  dedupByKey?: string
}

/** Decodes the known extensions in `extensions`; a malformed one is MalformedMessageError naming it. */
export function readKnownExtensions (extensions: GraphsyncExtensions, field = 'ext'): KnownGraphsyncExtensions {
  const known: KnownGraphsyncExtensions = {}
  const at = (name: string): string => `${field}.${name}`
  if (extensions.has(EXTENSION_DO_NOT_SEND_CIDS)) {
    known.doNotSendCids = decodeDoNotSendCids(extensions.get(EXTENSION_DO_NOT_SEND_CIDS), at(EXTENSION_DO_NOT_SEND_CIDS))
  }
  if (extensions.has(EXTENSION_DO_NOT_SEND_FIRST_BLOCKS)) {
    known.doNotSendFirstBlocks = decodeDoNotSendFirstBlocks(extensions.get(EXTENSION_DO_NOT_SEND_FIRST_BLOCKS), at(EXTENSION_DO_NOT_SEND_FIRST_BLOCKS))
  }
  if (extensions.has(EXTENSION_DEDUP_BY_KEY)) {
    known.dedupByKey = decodeDedupByKey(extensions.get(EXTENSION_DEDUP_BY_KEY), at(EXTENSION_DEDUP_BY_KEY))
  }
  return known
}

/** Builds an extensions map from known values (absent ones omitted) plus any `others`. */
export function buildExtensions (known: KnownGraphsyncExtensions, others: GraphsyncExtensions = new Map()): GraphsyncExtensions {
  const extensions: GraphsyncExtensions = new Map(others)
  if (known.doNotSendCids !== undefined) extensions.set(EXTENSION_DO_NOT_SEND_CIDS, encodeDoNotSendCids(known.doNotSendCids))
  if (known.doNotSendFirstBlocks !== undefined) {
    extensions.set(EXTENSION_DO_NOT_SEND_FIRST_BLOCKS, encodeDoNotSendFirstBlocks(known.doNotSendFirstBlocks))
  }
  if (known.dedupByKey !== undefined) extensions.set(EXTENSION_DEDUP_BY_KEY, encodeDedupByKey(known.dedupByKey))
  return extensions
}
