/**
 * The relay's HTTP server (DESIGN.md §7): public routes (health, readiness, metrics, policy, log)
 * rate-limited per client IP, and `/admin/*` behind a Host/Origin check and a bearer token.
 *
 * **Guarantees**: the admin API never listens on a non-loopback address unless its token was
 * configured explicitly; an unauthenticated admin request is refused before its body is read;
 * bodies are size-limited and schema-checked; a client that sends headers or a request too slowly
 * is cut off with 408; no response carries a stack trace; GET never changes anything.
 */
import { createServer } from 'node:http'
import express from 'express'
import { allowedAdminHosts, bearerAuth, hostCheck, isLoopbackHost } from './admin-guard.js'
import { HttpError, errorHandler } from './http-error.js'
import { TokenBucketLimiter, rateLimit } from './rate-limit.js'
import { accountRoutes } from './routes/admin-accounts.js'
import { policyRoutes } from './routes/admin-policy.js'
import { publicRoutes } from './routes/public.js'
import { AdminExposedError } from '../errors.js'
import {
  DEFAULT_HTTP_BODY_LIMIT_BYTES, DEFAULT_HTTP_HEADERS_TIMEOUT_MS, DEFAULT_HTTP_HOST, DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_HTTP_PORT, DEFAULT_HTTP_REQUEST_TIMEOUT_MS, DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_MAX_CLIENTS,
  DEFAULT_RATE_LIMIT_REQUESTS_PER_SECOND
} from '../config-defaults.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import type { Registry } from 'prom-client'
import type { LedgerBackend } from '../../accounting/ledger-api.js'
import type { Logger } from '../logger.js'
import type { HttpTracer } from '../metrics.js'
import type { HttpRoute } from '../metrics-labels.js'
import type { BindingSource, LogSource, PolicySource, ReadinessReport } from './sources.js'

/**
 * Longest wait between Node's checks of header and request timeouts. Node's default is 30 s,
 * which lets a slow client overstay a 10 s header timeout threefold.
 */
export const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1000

/** What the HTTP server uses. */
export interface HttpServerComponents {
  ledger: LedgerBackend
  metricsRegistry: Registry
  policy: PolicySource
  log: LogSource
  bindings: BindingSource
  readiness: () => ReadinessReport
  logger: Logger
  /** The operator's TAU key: signs statements and policies published unsigned. */
  tauPrivateKey: Uint8Array
  tracer?: HttpTracer
  /** @default Date.now */
  now?: () => number
}

/** HTTP settings (the `http` and `admin` sections of the config). */
export interface HttpServerInit {
  /** @default DEFAULT_HTTP_HOST */
  host?: string
  /** 0 = any free port. @default DEFAULT_HTTP_PORT */
  port?: number
  /** Bearer token of `/admin/*`; undefined = no admin API. */
  adminToken?: string
  /** Whether the token was configured explicitly (required to serve admin on a non-loopback host). @default false */
  adminTokenConfigured?: boolean
  /** Extra Host names accepted on /admin. @default [] */
  allowedHosts?: string[]
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, proxy-addr presets). @default [] */
  trustedProxies?: string[]
  /** @default DEFAULT_HTTP_BODY_LIMIT_BYTES */
  bodyLimitBytes?: number
  /** @default DEFAULT_HTTP_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number
  /** @default DEFAULT_HTTP_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
  /** @default DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS */
  keepAliveTimeoutMs?: number
  rateLimit?: { requestsPerSecond?: number, burst?: number, maxClients?: number }
}

/** The running server's address. */
export interface HttpAddress { host: string, port: number }

/** The relay's HTTP server. */
export class HttpServer {
  private readonly app: Express
  private readonly init: HttpServerInit
  private readonly logger: Logger
  private server?: Server

  constructor (components: HttpServerComponents, init: HttpServerInit = {}) {
    this.init = init
    this.logger = components.logger
    this.app = buildApp(components, init)
  }

  /** Where the server listens, once started. */
  get address (): HttpAddress | undefined {
    const info = this.server?.address() as AddressInfo | null | undefined
    return info == null ? undefined : { host: info.address, port: info.port }
  }

  /** Listens; AdminExposedError when the admin API would be exposed without a configured token. Idempotent. */
  async start (): Promise<void> {
    if (this.server !== undefined) return
    const host = this.init.host ?? DEFAULT_HTTP_HOST
    if (this.init.adminToken !== undefined && !isLoopbackHost(host) && this.init.adminTokenConfigured !== true) {
      throw new AdminExposedError(host)
    }
    const requestTimeout = this.init.requestTimeoutMs ?? DEFAULT_HTTP_REQUEST_TIMEOUT_MS
    // Node requires headersTimeout ≤ requestTimeout
    const headersTimeout = Math.min(this.init.headersTimeoutMs ?? DEFAULT_HTTP_HEADERS_TIMEOUT_MS, requestTimeout)
    const server = createServer({
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: this.init.keepAliveTimeoutMs ?? DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: Math.max(10, Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4)))
    }, this.app)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port ?? DEFAULT_HTTP_PORT, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.logger.info({ host, port: this.address?.port, admin: this.init.adminToken !== undefined }, 'http listening')
  }

  /** Stops listening and closes every connection. Idempotent. */
  async stop (): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => { resolve() }))
    server.closeAllConnections()
    await closed
  }
}

/** Makes the relay's HTTP server (not yet listening). */
export function createHttpServer (components: HttpServerComponents, init: HttpServerInit = {}): HttpServer {
  return new HttpServer(components, init)
}

function buildApp (c: HttpServerComponents, init: HttpServerInit): Express {
  const app = express()
  const now = c.now ?? Date.now
  app.disable('x-powered-by')
  app.disable('etag')
  const proxies = init.trustedProxies ?? []
  app.set('trust proxy', proxies.length === 0 ? false : proxies)

  app.use((_req, res, next) => {
    res.on('finish', () => { c.tracer?.httpRequest((res.locals.route as HttpRoute | undefined) ?? 'not_found', res.statusCode) })
    next()
  })

  if (init.adminToken !== undefined) {
    app.use('/admin',
      hostCheck(allowedAdminHosts(init.host ?? DEFAULT_HTTP_HOST, init.allowedHosts ?? [])),
      bearerAuth(init.adminToken),
      express.json({ limit: init.bodyLimitBytes ?? DEFAULT_HTTP_BODY_LIMIT_BYTES, type: 'application/json', strict: true }),
      accountRoutes({ ledger: c.ledger, tauPrivateKey: c.tauPrivateKey, now }),
      policyRoutes({ policy: c.policy, bindings: c.bindings, tauPrivateKey: c.tauPrivateKey, now }))
  }

  const limiter = new TokenBucketLimiter({
    ratePerSecond: init.rateLimit?.requestsPerSecond ?? DEFAULT_RATE_LIMIT_REQUESTS_PER_SECOND,
    burst: init.rateLimit?.burst ?? DEFAULT_RATE_LIMIT_BURST,
    maxClients: init.rateLimit?.maxClients ?? DEFAULT_RATE_LIMIT_MAX_CLIENTS
  })
  app.use(rateLimit(limiter), publicRoutes(c))

  app.use((req, _res, next) => { next(new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`)) })
  app.use(errorHandler(c.logger, c.tracer))
  return app
}
