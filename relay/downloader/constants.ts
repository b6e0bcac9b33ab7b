/**
 * Limits and defaults of the attachment downloader, each with where it comes from.
 */

/**
 * Pieces per work unit (one sync): 16 × 256 KiB = 4 MiB. Big enough that the per-sync costs (a
 * signed request, a ledger hold, a graphsync request, a log commit and receipt, the HAMT path
 * nodes re-sent) stay a few percent of the unit; small enough that 2 routes × 2 syncs of a 64 MiB
 * attachment still leave 4 units per slot to steal and retry.
 */
export const DEFAULT_UNIT_PIECES = 16

/**
 * Syncs in flight per route: 3. Measured (test/bench/attachment.bench.ts, loaded 2-core box): a
 * sync's setup and its relay's log commit and receipt cost ~0.5 s beside ~0.2 s of transfer of a
 * 4 MiB unit from a 20 MB/s target, so with 2 slots one target delivered only ~10 MB/s.
 * Two routes per relay × 3 stay within the default policy's 6 syncs per payer.
 */
export const DEFAULT_CONCURRENCY_PER_ROUTE = 3

/** A route failing this many units in a row is dropped (a dead target fails fast: `target_unreachable`). */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 3

/** Attempts of one unit across every route before the download fails (each route gets a chance, then some). */
export const DEFAULT_MAX_ATTEMPTS_PER_UNIT = 6

/** A unit running slower than median ÷ this (bytes/s of finished units) is re-issued on an idle route. */
export const DEFAULT_SLOW_FACTOR = 4

/** Finished units needed before any route is judged slow: a median of fewer is noise. */
export const MIN_RATE_SAMPLES = 3

/** A unit younger than this is never judged slow: sync setup alone takes tens of ms on loopback. */
export const MIN_SLOW_CHECK_MS = 1_000

/** The scheduler re-checks for slow units at least this often while units are in flight. */
export const SCHEDULER_TICK_MS = 250

/** A route answered `busy` (the relay's per-payer or per-target limit) rests this long before its next sync. */
export const BUSY_BACKOFF_MS = 500

/**
 * Upper bound of one HAMT index node's size, for the caps of index syncs (sizes are unknown until
 * fetched): 32 slots × 3 entries × (≤ 5-byte key + ≤ 70-byte CID + CBOR framing) is under 8 KiB;
 * twice that leaves room for any honest encoding.
 */
export const MAX_INDEX_NODE_BYTES = 16 * 1024

/** Index nodes fetched by one sync: keeps its selector far below the parser's 1,024 clauses. */
export const MAX_INDEX_NODES_PER_SYNC = 128

/** The progress sidecar is rewritten at most this often (and once more at the end). */
export const PROGRESS_FLUSH_MS = 250

/** Suffix of the progress sidecar next to the partial file. */
export const PROGRESS_SUFFIX = '.progress'
