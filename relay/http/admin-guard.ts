/**
 * Guards of `/admin/*`: the Host and Origin check against DNS rebinding (a web page whose domain
 * is re-pointed at 127.0.0.1 sends its own Host and Origin, which we refuse), then the bearer
 * token, compared in constant time over sha2-256 digests so neither content nor length leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { HttpError } from './http-error.js'
import type { RequestHandler } from 'express'

/** Host names every admin request may use: the loopback names. */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '::1'])

/** Whether `host` (an IP or a name) only reaches this machine. */
export function isLoopbackHost (host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** Whether `provided` equals `expected`, in time independent of where they differ. */
export function tokensEqual (provided: string, expected: string): boolean {
  return timingSafeEqual(digest(provided), digest(expected))
}

/** The host name of a Host header value (`[::1]:9464` → `::1`, `Example.org:80` → `example.org`). */
export function hostName (header: string): string {
  const text = header.trim().toLowerCase()
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') === -1 ? undefined : text.indexOf(']'))
  const colon = text.indexOf(':')
  return colon === -1 ? text : text.slice(0, colon)
}

/** Host names allowed on /admin: loopback, the listen host unless it is a wildcard, and configured extras. */
export function allowedAdminHosts (listenHost: string, extra: readonly string[]): Set<string> {
  const hosts = new Set([...LOOPBACK_HOSTS, ...extra.map((h) => h.toLowerCase())])
  if (listenHost !== '0.0.0.0' && listenHost !== '::') hosts.add(listenHost.toLowerCase())
  return hosts
}

/** Refuses admin requests whose Host or Origin names a host not in `allowed` (403). */
export function hostCheck (allowed: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    const host = req.headers.host
    if (host === undefined || !allowed.has(hostName(host))) {
      next(new HttpError(403, 'host_not_allowed', 'Host header not allowed for the admin API', { reason: 'host_not_allowed' }))
      return
    }
    const origin = req.headers.origin
    if (origin !== undefined) {
      let originHost: string | undefined
      try {
        originHost = hostName(new URL(origin).host)
      } catch {
        // `null` and other opaque origins are not a host we know
      }
      if (originHost === undefined || !allowed.has(originHost)) {
        next(new HttpError(403, 'origin_not_allowed', 'Origin not allowed for the admin API', { reason: 'origin_not_allowed' }))
        return
      }
    }
    next()
  }
}

/** Requires `Authorization: Bearer <token>` (401 with WWW-Authenticate otherwise). */
export function bearerAuth (token: string): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization ?? ''
    const match = /^Bearer ([!-~]+)$/i.exec(header)
    if (match === null || !tokensEqual(match[1], token)) {
      next(new HttpError(401, 'unauthorized', 'a valid bearer token is required', { headers: { 'WWW-Authenticate': 'Bearer realm="tau-relay admin"' }, reason: 'unauthorized' }))
      return
    }
    next()
  }
}
