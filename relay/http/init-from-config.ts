/**
 * The HTTP server's `init` slice of the relay configuration (STYLE.md 5.5: parsed once, passed
 * down as slices), so `relay/main.ts` does not repeat the mapping.
 */
import { isAdminTokenConfigured } from '../config.js'
import type { RelayConfig } from '../config.js'
import type { HttpServerInit } from './server.js'

/** The HttpServerInit of `config`; the admin API is on when `admin.enabled`, with `adminToken`. */
export function httpServerInit (config: RelayConfig, adminToken: string): HttpServerInit {
  const http = config.http
  return {
    host: http.host,
    port: http.port,
    adminToken: config.admin.enabled ? adminToken : undefined,
    adminTokenConfigured: isAdminTokenConfigured(config),
    allowedHosts: [...http.allowedHosts],
    trustedProxies: [...http.trustedProxies],
    bodyLimitBytes: http.bodyLimitBytes,
    headersTimeoutMs: http.headersTimeoutMs,
    requestTimeoutMs: http.requestTimeoutMs,
    keepAliveTimeoutMs: http.keepAliveTimeoutMs,
    rateLimit: { ...http.rateLimit }
  }
}
