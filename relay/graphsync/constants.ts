/**
 * Limits of the graphsync service (DESIGN.md §4.2, §9). Wire limits (4 MiB per message, 512 KiB
 * of blocks per message) live in protocol/graphsync/constants.ts; these are the I/O ones.
 */

/** Responses traversing at once per peer: go-graphsync's `defaultMaxInProgressRequests` (6). */
export const DEFAULT_MAX_IN_PROGRESS_RESPONSES_PER_PEER = 6

/**
 * Requests of one peer waiting for a slot before a new one is refused busy (31). go-graphsync's
 * peer task queue does not bound this; 64 bounds memory against a peer flooding requests.
 */
export const DEFAULT_MAX_QUEUED_RESPONSES_PER_PEER = 64

/**
 * Bytes of response messages one peer may have queued but not yet accepted by its stream; a
 * traversal waits when it would exceed it. go-graphsync allows 16 MiB (`defaultMaxMemoryPerPeer`);
 * 4 MiB (eight 512 KiB messages, the yamux window the relay grants) kept the same throughput in
 * test/bench/graphsync.bench.ts with about a third less responder CPU: buffers that wait long
 * enough to survive two scavenges are promoted and cost full-heap collections.
 */
export const DEFAULT_MAX_BUFFERED_BYTES_PER_PEER = 4 * 1024 * 1024

/**
 * Read buffer of a graphsync stream while we pause it: yamux's default maximum stream window
 * (16 MiB, the most a peer can send after we stop granting window) plus one 4 MiB message of
 * margin, so pausing never trips the stream's own buffer limit and reset (DESIGN.md §9.1).
 */
export const DEFAULT_STREAM_READ_BUFFER_BYTES = 20 * 1024 * 1024

/**
 * Unread frames a stream reader holds before it pauses the stream: two 512 KiB response messages
 * (a larger message still passes whole). Small, so received bytes die young (see above).
 */
export const DEFAULT_FRAME_QUEUE_BYTES = 1024 * 1024

/**
 * Received bytes one request may hold before its consumer takes them; past this, reading from the
 * peer waits (backpressure). 2 MiB, one largest block (the service never goes below that): four
 * 512 KiB messages keep the walk fed, and less buffering means less garbage-collection work.
 */
export const DEFAULT_MAX_PENDING_BYTES_PER_REQUEST = 2 * 1024 * 1024

/** Inbound and outbound graphsync streams per connection (registrar defaults are 32 / 64, DESIGN.md §9.5). */
export const DEFAULT_MAX_INBOUND_STREAMS = 32
/** Outbound graphsync streams per connection; we open one per peer queue at a time, plus requests. */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64

/** Whole-request time limit: 10 minutes, go-graphsync's `defaultSendMessageTimeout` order of magnitude. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60 * 1000

/** Longest silence (no new metadata or blocks) before a request fails: 60 s. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60 * 1000

/**
 * How long a peer's emptied message queue keeps its stream open for the next message: 250 ms
 * covers the gap between two messages of a running traversal (store reads, decoding), so a whole
 * response travels on one stream, as go-graphsync's message queue reuses its stream.
 */
export const DEFAULT_STREAM_LINGER_MS = 250

/** Time to open a stream and write one message to it (request, cancel, or a response batch). */
export const DEFAULT_SEND_TIMEOUT_MS = 30 * 1000

/** Most blocks one request delivers unless the caller sets less (1 GiB of 256 KiB pieces is ~4,100). */
export const DEFAULT_MAX_REQUEST_BLOCKS = 1_000_000

/** Most block bytes one request delivers unless the caller sets less: 8 GiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024 * 1024

/** Consecutive interim responses without metadata before the requester gives up (a stalling peer). */
export const DEFAULT_MAX_EMPTY_RESPONSES = 64

/** Decoded non-raw nodes a request keeps for `d` (duplicate, not sent) metadata: 64 MiB of blocks. */
export const DEFAULT_MAX_DEDUP_CACHE_BYTES = 64 * 1024 * 1024
