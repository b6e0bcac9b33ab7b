/**
 * Graphsync v2 protocol id and limits (DESIGN.md §4.2). Each default names where it comes from.
 */

/** libp2p protocol id of graphsync v2 (go-graphsync ≥ 0.13; v1 is not spoken). */
export const GRAPHSYNC_PROTOCOL_V2 = '/ipfs/graphsync/2.0.0'

/**
 * Largest graphsync message body accepted, in bytes: 4 MiB. go-graphsync default: its v2 reader
 * is `msgio.NewVarintReaderSize(r, network.MessageSizeMax)` and go-libp2p's MessageSizeMax is 4 MiB.
 */
export const DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024

/** Most block bytes a responder packs into one message: 512 KiB (go-graphsync default, DESIGN.md §4.2). */
export const DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE = 512 * 1024

/**
 * Deepest CBOR nesting accepted in a message: 256. The envelope takes 4 levels
 * (root, gs2, req list, request) and selectors nest about two maps per level; recursion itself is
 * limited to 100 by the selector layer, so 256 never rejects a selector that layer would accept,
 * and stays far below the ~10,000 levels that overflowed @ipld/dag-cbor's stack (DESIGN.md §9.7).
 */
export const DEFAULT_GRAPHSYNC_MAX_CBOR_DEPTH = 256

/**
 * Most CBOR items accepted in one message: 262,144. A message carries ≤ 512 KiB of blocks; even
 * the smallest blocks (~40 bytes with CID and prefix) make ~13k blocks, i.e. ~40k block items and
 * ~40k metadata items, so this leaves 3× room while a hostile frame of nulls is refused after a
 * quarter of the 1M-item scan (DESIGN.md §9.7).
 */
export const DEFAULT_GRAPHSYNC_MAX_CBOR_ITEMS = 262_144

/** Length in bytes of a graphsync v2 request id (a UUID, go-graphsync `graphsync.RequestID`). */
export const GRAPHSYNC_REQUEST_ID_BYTES = 16
