/**
 * Limits and time limits of the relay-sync service (DESIGN.md §4.1, §5.3). Concurrency limits and
 * per-sync caps come from the policy document (`limits`); these are the I/O bounds around them.
 */

/** Time to receive the whole SyncRequest after the stream opens: 10 s (a request is < 64 KiB). */
export const DEFAULT_REQUEST_READ_TIMEOUT_MS = 10_000

/** Time for the target to answer a future-state request: 10 s (one small message each way). */
export const DEFAULT_FUTURE_STATE_TIMEOUT_MS = 10_000

/** Time to dial a target that has no connection to the relay: 10 s (libp2p's own dial default is 5 s per address). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000

/**
 * Longest wait for a requester to take the next frame: 60 s, the graphsync idle timeout, so a
 * stalled requester is treated like a stalled target. A slow one only slows the sync.
 */
export const DEFAULT_REQUESTER_SEND_TIMEOUT_MS = 60_000

/** Whole-sync time limit: 10 minutes, graphsync's DEFAULT_REQUEST_TIMEOUT_MS. */
export const DEFAULT_SYNC_TIMEOUT_MS = 10 * 60_000

/** Time to write the final result frame and close: 10 s. */
export const DEFAULT_RESULT_SEND_TIMEOUT_MS = 10_000

/** Inbound relay-sync streams per connection (registrar default is 32, DESIGN.md §9.5: set explicitly). */
export const DEFAULT_MAX_INBOUND_SYNC_STREAMS = 32

/** Outbound relay-sync streams per connection (a requester opens one per sync). */
export const DEFAULT_MAX_OUTBOUND_SYNC_STREAMS = 32

/**
 * Most concurrent syncs towards one target, whatever the policy says: every sync is one graphsync
 * request stream into the target and one response stream back, and both sides accept 32 inbound
 * graphsync streams per connection (our DEFAULT_MAX_INBOUND_STREAMS, the libp2p registrar default
 * go peers run with). Streams linger briefly after a response, so 24 leaves room for them; beyond
 * this a sync is refused `busy` instead of failing mid-way as `target_failed`.
 */
export const MAX_SYNCS_PER_TARGET = 24
