#!/usr/bin/env node
// Container health check of tau-relay: GET /healthz on the relay's HTTP address and exit 0 on a
// 200, 1 otherwise. Plain Node (slim images have no curl or wget). The address comes from
// TAU_RELAY_HTTP_LISTEN like the relay's own (default 127.0.0.1:9464); a wildcard listen host is
// reached over loopback. Set TAU_RELAY_HTTP_LISTEN when the HTTP port is moved in a config file.

const DEFAULT_LISTEN = '127.0.0.1:9464'
// Docker's HEALTHCHECK --timeout is 5 s: answer before it so the reason is logged, not a kill
const TIMEOUT_MS = 4000

const listen = process.env.TAU_RELAY_HTTP_LISTEN || DEFAULT_LISTEN
const match = /^(\[[^\]]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(listen)
if (match === null) {
  console.error(`healthcheck: TAU_RELAY_HTTP_LISTEN is not host:port: ${listen}`)
  process.exit(1)
}
let host = match[1].replace(/^\[|\]$/g, '')
if (host === '0.0.0.0') host = '127.0.0.1'
if (host === '::') host = '::1'
const url = `http://${host.includes(':') ? `[${host}]` : host}:${match[2]}/healthz`

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  if (res.status !== 200) {
    console.error(`healthcheck: ${url} answered ${res.status}`)
    process.exit(1)
  }
} catch (err) {
  console.error(`healthcheck: ${url} failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
