/**
 * The zod schema of `relay.config.json` (STYLE.md 5.5): strict objects (a typo is an error, not
 * a silently ignored key), units in key names, amounts as decimal strings parsed to bigint,
 * defaults from config-defaults.ts and protocol's DEFAULT_POLICY.
 */
import { isIP } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { parseAmountNanoTau } from '../accounting/amounts.js'
import { DEFAULT_MAX_QUEUED_OPERATIONS } from '../accounting/serial-queue.js'
import { DEFAULT_POLICY } from '../protocol/policy-schema.js'
import {
  DEFAULT_DATA_DIR, DEFAULT_HTTP_BODY_LIMIT_BYTES, DEFAULT_HTTP_HEADERS_TIMEOUT_MS, DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_HTTP_PORT, DEFAULT_HTTP_REQUEST_TIMEOUT_MS, DEFAULT_LEDGER_BACKEND, DEFAULT_LISTEN,
  DEFAULT_LOG_FORMAT, DEFAULT_LOG_LEVEL, DEFAULT_MAX_CONNECTIONS, DEFAULT_RATE_LIMIT_BURST,
  DEFAULT_RATE_LIMIT_MAX_CLIENTS, DEFAULT_RATE_LIMIT_REQUESTS_PER_SECOND
} from './config-defaults.js'

/** Log levels pino knows, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** Where the ledger lives: LevelDB (one node) or PostgreSQL (a fleet). */
export const LEDGER_BACKENDS = ['level', 'postgres'] as const
/** `auto` = pretty on a TTY, JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const
/** Named address ranges proxy-addr (express's `trust proxy`) understands. */
const PROXY_PRESETS = ['loopback', 'linklocal', 'uniquelocal']
/** RFC 1123 host name: labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER)
const positive = z.int().min(1).max(Number.MAX_SAFE_INTEGER)
const durationMs = z.int().min(1).max(2 ** 31 - 1)

const multiaddrText = z.string().refine((text) => {
  try {
    multiaddr(text)
    return true
  } catch {
    return false
  }
}, { error: 'not a multiaddr' })

const host = z.string().refine((h) => isIP(h) !== 0 || HOSTNAME.test(h), { error: 'not an IP address or host name' })

const proxy = z.string().refine((text) => {
  if (PROXY_PRESETS.includes(text)) return true
  const [address, prefix, ...rest] = text.split('/')
  if (rest.length > 0 || isIP(address) === 0) return false
  if (prefix === undefined) return true
  const max = isIP(address) === 4 ? 32 : 128
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= max
}, { error: 'not an IP address, CIDR range or one of loopback, linklocal, uniquelocal' })

/** An amount of nanoTAU as a canonical decimal string (JSON numbers lose precision above 2^53). */
const amount = z.string().transform((text, ctx) => {
  try {
    return parseAmountNanoTau(text, 'amount', { allowZero: true })
  } catch (err: unknown) {
    ctx.addIssue({ code: 'custom', message: `not a canonical decimal amount of nanoTAU (${(err as Error).message})` })
    return z.NEVER
  }
})

/** The whole config file. Every section may be left out; `prefault` parses `{}` so inner defaults apply. */
export const relayConfigSchema = z.strictObject({
  /** Data directory; relative to the config file's folder when given in the file. */
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  libp2p: z.strictObject({
    listen: z.array(multiaddrText).default(() => [...DEFAULT_LISTEN]),
    announce: z.array(multiaddrText).default(() => []),
    maxConnections: positive.default(DEFAULT_MAX_CONNECTIONS)
  }).prefault({}),
  http: z.strictObject({
    enabled: z.boolean().default(true),
    host: host.default(DEFAULT_HTTP_HOST),
    port: z.int().min(0).max(65535).default(DEFAULT_HTTP_PORT),
    /** Extra Host header names accepted on /admin (DNS-rebinding check); loopback names always are. */
    allowedHosts: z.array(host).default(() => []),
    /** Proxies whose X-Forwarded-For is believed (express `trust proxy`). */
    trustedProxies: z.array(proxy).default(() => []),
    bodyLimitBytes: positive.default(DEFAULT_HTTP_BODY_LIMIT_BYTES),
    headersTimeoutMs: durationMs.default(DEFAULT_HTTP_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: durationMs.default(DEFAULT_HTTP_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: durationMs.default(DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS),
    rateLimit: z.strictObject({
      requestsPerSecond: positive.default(DEFAULT_RATE_LIMIT_REQUESTS_PER_SECOND),
      burst: positive.default(DEFAULT_RATE_LIMIT_BURST),
      maxClients: positive.default(DEFAULT_RATE_LIMIT_MAX_CLIENTS)
    }).prefault({})
  }).prefault({}),
  admin: z.strictObject({
    enabled: z.boolean().default(true),
    /** Bearer token file; null = `<dataDir>/admin.token`, generated. Naming one counts as "configured". */
    tokenFile: z.string().min(1).nullable().default(null)
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default(DEFAULT_LOG_LEVEL),
    format: z.enum(LOG_FORMATS).default(DEFAULT_LOG_FORMAT)
  }).prefault({}),
  ledger: z.strictObject({
    /** fsync every charge instead of relying on the log's group commit (accounting/ledger.ts). */
    syncCharges: z.boolean().default(false),
    maxQueuedOperations: positive.default(DEFAULT_MAX_QUEUED_OPERATIONS),
    /** `level`: this node's LevelDB; `postgres`: one ledger shared by a fleet of nodes (accounting/ledger-postgres/). */
    backend: z.enum(LEDGER_BACKENDS).default(DEFAULT_LEDGER_BACKEND),
    /** `postgres://user@host:port/db` of the fleet ledger; required with backend `postgres`. */
    postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, { error: 'not a postgres:// URL' }).nullable().default(null)
  }).refine((l) => l.backend !== 'postgres' || l.postgresUrl !== null, { error: 'ledger.postgresUrl is required when ledger.backend is postgres', path: ['postgresUrl'] }).prefault({}),
  /** Terms of the first policy the relay signs when its data directory has none (`init`). */
  initialPolicy: z.strictObject({
    perBlockNanoTau: amount.default(DEFAULT_POLICY.pricing.perBlock),
    perMiBNanoTau: amount.default(DEFAULT_POLICY.pricing.perMiB),
    seedingCreditPerMiBNanoTau: amount.default(DEFAULT_POLICY.seedingCredit.perMiB),
    reservationFeeNanoTau: amount.default(DEFAULT_POLICY.circuit.reservationFee),
    minTopUpNanoTau: amount.default(DEFAULT_POLICY.settlement.minTopUp),
    freeQuotaBytes: count.default(DEFAULT_POLICY.freeQuota.bytes),
    freeQuotaPeriodMs: count.default(DEFAULT_POLICY.freeQuota.periodMs)
  }).prefault({})
})

/** The parsed configuration (dataDir and admin.tokenFile are absolute after loadConfig). */
export type RelayConfig = z.output<typeof relayConfigSchema>
/** The JSON form of the configuration, as written in relay.config.json. */
export type RelayConfigJson = z.input<typeof relayConfigSchema>
