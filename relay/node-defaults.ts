/**
 * Defaults of the relay's libp2p node (relay/node.ts), admission and shutdown, each with its
 * provenance. Limits that the operator publishes live in the policy (DESIGN.md §5.1 `circuit`);
 * these are the ones the policy does not name.
 */

const MIB = 1024 * 1024

/**
 * yamux `streamOptions.maxStreamWindowSize`: 4 MiB. yamux's default is 16 MiB with a 4 MiB read
 * buffer, so a paused consumer overflows the buffer and gets reset; 4 MiB window / 8 MiB buffer
 * was the fastest safe pair in the graphsync bench (DESIGN.md §9.1).
 */
export const DEFAULT_MAX_STREAM_WINDOW_BYTES = 4 * MIB

/** yamux `streamOptions.maxReadBufferLength`: 8 MiB, twice the window (DESIGN.md §9.1). */
export const DEFAULT_STREAM_READ_BUFFER_BYTES = 8 * MIB

/**
 * Connection monitor ping interval: 60 s. libp2p pings every connection every 10 s, which cost
 * 71 % of a core at 3,000 peers (DESIGN.md §9.6); a relay holds many idle reserved peers, and
 * yamux's own 30 s keep-alive already detects dead connections.
 */
export const DEFAULT_PING_INTERVAL_MS = 60_000

/** New inbound connections accepted per IP per second: libp2p's default (DESIGN.md §9.5). */
export const DEFAULT_INBOUND_CONNECTION_THRESHOLD = 5

/** Inbound connections being upgraded at once: libp2p's default (DESIGN.md §9.5). */
export const DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS = 10

/**
 * Connections kept beside reserved peers: every reservation holds one connection, so the
 * connection limit is raised to `maxReservations` + this headroom when the config sets it lower
 * (otherwise pruning would drop reserved peers or refuse requesters).
 */
export const DEFAULT_CONNECTION_HEADROOM = 64

/**
 * The circuit relay server's own reservation cap when admission enforces the policy's: a memory
 * ceiling (~100,000 × the ≤ 64 KiB a held reservation costs is a few GiB), far above any policy
 * this relay is sized for, so raising `circuit.maxReservations` in a new policy needs no restart.
 */
export const MAX_RESERVATIONS_CEILING = 100_000

/** Streams of `/tau/identity/1.0.0` per connection: one binding at a time, one more while it closes. */
export const IDENTITY_MAX_INBOUND_STREAMS = 2
/** The relay never opens identity streams itself; one lets the toolkit reuse the service as a client. */
export const IDENTITY_MAX_OUTBOUND_STREAMS = 1
/** Streams of `/tau/relay/policy/1.0.0` per connection. */
export const POLICY_MAX_INBOUND_STREAMS = 2
/** Outbound policy streams per connection (a client fetching a relay's policy). */
export const POLICY_MAX_OUTBOUND_STREAMS = 1

/** Time to read an identity message and answer it: 10 s (a binding is < 512 bytes). */
export const DEFAULT_IDENTITY_TIMEOUT_MS = 10_000
/** Time to write the policy document: 10 s (≤ 64 KiB). */
export const DEFAULT_POLICY_TIMEOUT_MS = 10_000

/**
 * Most peer bindings kept from `/tau/identity/1.0.0`. Anyone can mint peer ids and TAU keys, so
 * without a bound the store grows forever; 100,000 bindings of ≤ 512 bytes are ≤ 50 MB.
 */
export const DEFAULT_MAX_STORED_BINDINGS = 100_000

/**
 * How long an admitted reservation counts against the caps before it shows in the store: the
 * circuit relay server's hop timeout (30 s), after which the request has failed anyway.
 */
export const DEFAULT_PENDING_ADMISSION_MS = 30_000

/**
 * Bound on the network half of shutdown (HTTP, libp2p, in-flight syncs): 8 s, so that with the log
 * commit and the LevelDB close after it a stop fits in Docker's 10 s grace before SIGKILL.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000
