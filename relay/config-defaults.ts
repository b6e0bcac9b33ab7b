/**
 * Defaults of every key of `relay.config.json` (DESIGN.md §7), each with its provenance. The
 * schema in config.ts reads them from here, and `relay.config.example.json` repeats them.
 */

/** Data directory (ledger, keys, token, policy): `./data`, relative to the working directory. */
export const DEFAULT_DATA_DIR = './data'

/** libp2p listen addresses: TCP 4001 (the IPFS swarm port) and WebSockets 4002, all interfaces. */
export const DEFAULT_LISTEN: readonly string[] = Object.freeze(['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'])

/** Most libp2p connections: libp2p's connection manager default (DESIGN.md §9.5). */
export const DEFAULT_MAX_CONNECTIONS = 300

/** HTTP host: loopback only, so the admin API is never exposed by accident. */
export const DEFAULT_HTTP_HOST = '127.0.0.1'

/** HTTP port: 9464, the port OpenTelemetry's Prometheus exporter registered for metrics. */
export const DEFAULT_HTTP_PORT = 9464

/**
 * Largest HTTP request body. The largest body is a policy document in JSON: 64 KiB of DAG-CBOR
 * (MAX_POLICY_DOCUMENT_BYTES) grows under 2× in hex/base58 text, so 256 KiB holds any valid one.
 */
export const DEFAULT_HTTP_BODY_LIMIT_BYTES = 256 * 1024

/** Time to receive all request headers: 10 s (Node's 60 s default lets a slow client hold a socket for a minute). */
export const DEFAULT_HTTP_HEADERS_TIMEOUT_MS = 10_000

/** Time to receive a whole request: 30 s (Node's default is 300 s); bodies are at most 256 KiB. */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 30_000

/** Idle time of a kept-alive connection: Node's own default, 5 s. */
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000

/** Public route requests refilled per second and client IP: a scraper or app needs a few. */
export const DEFAULT_RATE_LIMIT_REQUESTS_PER_SECOND = 10

/** Burst of public route requests one client IP may make at once. */
export const DEFAULT_RATE_LIMIT_BURST = 50

/** Client IPs tracked by the rate limiter; the least recently seen is forgotten first (bounds memory). */
export const DEFAULT_RATE_LIMIT_MAX_CLIENTS = 10_000

/** Ledger backend: the node's own LevelDB; `postgres` is for fleets (DESIGN.md §8). */
export const DEFAULT_LEDGER_BACKEND = 'level'

/** Log level of the relay's own events. */
export const DEFAULT_LOG_LEVEL = 'info'

/** Log format: JSON lines, or human-readable when stdout is a TTY. */
export const DEFAULT_LOG_FORMAT = 'auto'

/** Names of the files inside the data directory (DESIGN.md §7). */
export const DATA_DIR_FILES = Object.freeze({
  /** classic-level database: ledger, policy store and transfer log. */
  ledger: 'ledger',
  /** TAU secp256k1 key (JSON `{address, privateKey}`, or 64 hex characters), mode 0600. */
  tauKey: 'keys/tau.key',
  /** libp2p Ed25519 private key, protobuf-marshalled, mode 0600. */
  libp2pKey: 'keys/libp2p.key',
  /** Admin API bearer token: 32 random bytes, base64url, mode 0600. */
  adminToken: 'admin.token',
  /** The first signed policy (DAG-CBOR), written by `init`; the policy store imports it. */
  policy: 'policy.cbor',
  /** The config file `init` writes. */
  config: 'relay.config.json'
})

/** Config file looked for in the working directory when none is named. */
export const DEFAULT_CONFIG_FILE = 'relay.config.json'
