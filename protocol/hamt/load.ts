/**
 * Reading one node from an injected store: a missing block is BlockNotFoundError (never "key not
 * found"), bytes are checked against the CID, then the node against the format.
 */
import { BlockNotFoundError } from '../errors.js'
import { decodeNode } from './node-reader.js'
import type { HamtNode } from './node.js'
import type { BlockStore, HamtConfig } from './types.js'
import type { CID } from 'multiformats/cid'

/** A node read from a store, with the bytes it was read from. */
export interface LoadedNode {
  readonly node: HamtNode
  readonly bytes: Uint8Array
}

/** Loads, verifies and strictly decodes the node `cid`; `isRoot` relaxes the non-root rules. */
export async function loadNode (store: BlockStore, cid: CID, config: HamtConfig, isRoot: boolean): Promise<LoadedNode> {
  const bytes = await store.get(cid)
  if (bytes === undefined) throw new BlockNotFoundError(cid.toString())
  return { node: decodeNode(cid, bytes, config, isRoot), bytes }
}
