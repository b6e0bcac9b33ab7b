/**
 * Protocol ids of the relay's own wire protocols (DESIGN.md §4) and the largest message each
 * accepts. Every message is one unsigned-varint-length-prefixed DAG-CBOR body; relay/ sets its
 * framing limit (`lpStream({ maxDataLength })`) from these, and the decoders check them again.
 */
import { DEFAULT_MAX_BLOCK_BYTES } from './block.js'
import { MAX_PEER_BINDING_BYTES } from './peer-binding-codec.js'

/** HamtGraphRelaySync, requester → relay (DESIGN.md §4.1). */
export const RELAY_SYNC_PROTOCOL = '/tau/graphrelaysync/1.0.0'
/** Future ContractReceiptStateRoot of a chain, relay → target (DESIGN.md §4.3). */
export const FUTURE_STATE_PROTOCOL = '/tau/future-state/1.0.0'
/** The relay's current signed policy document (DESIGN.md §4.4). */
export const POLICY_PROTOCOL = '/tau/relay/policy/1.0.0'
/** A peer sends its signed peer binding, the relay acknowledges (DESIGN.md §4.5). */
export const IDENTITY_PROTOCOL = '/tau/identity/1.0.0'

const KIB = 1024
const MIB = 1024 * KIB

/**
 * Largest SyncRequest: 64 KiB. The fixed fields take < 300 bytes; the rest bounds the selector
 * (real selectors are < 1 KiB) and up to 16 multiaddrs.
 */
export const MAX_SYNC_REQUEST_BYTES = 64 * KIB

/**
 * Framing overhead of one block frame `{b: [cid, data]}` beyond the block itself: the map, key,
 * list and byte-string headers (≤ 16 bytes) plus a CID (≤ 100 bytes for any hash we verify).
 */
export const SYNC_BLOCK_FRAME_OVERHEAD_BYTES = KIB

/** Largest block frame: the largest block we accept anywhere (2 MiB) plus framing. */
export const MAX_SYNC_BLOCK_FRAME_BYTES = DEFAULT_MAX_BLOCK_BYTES + SYNC_BLOCK_FRAME_OVERHEAD_BYTES

/**
 * Largest result frame: 1 MiB. Its bulk is the receipt's inclusion proof, a CAR of one HAMT path
 * (≈ 8 levels × ≤ 32 links × ~40 bytes + a bucket of 3 records ≈ 12 KiB at bitWidth 5); a MiB
 * leaves room for bitWidth 8 and large buckets.
 */
export const MAX_SYNC_RESULT_FRAME_BYTES = MIB

/** Largest frame on a relay-sync response stream: the larger of the two frame kinds. */
export const MAX_SYNC_FRAME_BYTES = Math.max(MAX_SYNC_BLOCK_FRAME_BYTES, MAX_SYNC_RESULT_FRAME_BYTES)

/**
 * Largest policy document: 64 KiB. Fixed fields ≈ 600 bytes; each peer binding ≤ 512 bytes and each
 * accepted-from address 21, so MAX_POLICY_PEERS bindings and MAX_POLICY_ACCEPTED_FROM addresses fit.
 */
export const MAX_POLICY_DOCUMENT_BYTES = 64 * KIB

/** Most relay nodes (peer bindings) one policy document lists. */
export const MAX_POLICY_PEERS = 64

/** Most addresses in `settlement.acceptedFrom`. */
export const MAX_POLICY_ACCEPTED_FROM = 1024

/** Largest future-state request `{v, chain}`: a chain id is ≤ 64 bytes. */
export const MAX_FUTURE_STATE_REQUEST_BYTES = 256

/** Largest future-state response: fixed fields ≈ 150 bytes plus an optional 512-byte peer binding. */
export const MAX_FUTURE_STATE_RESPONSE_BYTES = 2 * KIB

/** Largest identity message: one peer binding (peer-binding-codec's MAX_PEER_BINDING_BYTES). */
export const MAX_IDENTITY_MESSAGE_BYTES = MAX_PEER_BINDING_BYTES

/** Largest identity acknowledgement `{ok, reason?}`. */
export const MAX_IDENTITY_ACK_BYTES = 256

/** Largest encoded transfer record (fixed fields with two CIDs ≈ 300 bytes). */
export const MAX_TRANSFER_RECORD_BYTES = 2 * KIB

/** Largest encoded log head (fixed fields with two CIDs and a signature ≈ 250 bytes). */
export const MAX_LOG_HEAD_BYTES = 2 * KIB

/** Most multiaddrs a SyncRequest may carry for dialling the target. */
export const MAX_SYNC_REQUEST_ADDRS = 16

/** Longest multiaddr accepted in a SyncRequest, in bytes. */
export const MAX_MULTIADDR_BYTES = 1 * KIB

/** Deepest DAG-CBOR nesting in a message carrying a selector (selector recursion is limited to 100 elsewhere). */
export const MAX_MESSAGE_CBOR_DEPTH = 256

/** Deepest DAG-CBOR nesting in a message without an open-ended node (policy, heads, records, acks). */
export const MAX_FLAT_MESSAGE_CBOR_DEPTH = 16

/**
 * Most CBOR items in one of our own framed messages other than graphsync (relay-sync frames,
 * receipts): a block frame is 5 items, a result with its receipt ~80 (the proof CAR is one byte
 * string). 4,096 leaves room and refuses a frame of a million nulls after a few hundred µs.
 */
export const MAX_MESSAGE_CBOR_ITEMS = 4096
