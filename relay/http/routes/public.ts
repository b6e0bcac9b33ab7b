/**
 * Public routes (DESIGN.md §4.4, §7): health and readiness, Prometheus metrics, the signed policy
 * and the transfer log head as DAG-CBOR or DAG-JSON by Accept, and inclusion proofs as CAR. All
 * are GET and change nothing; the server rate-limits them per client IP.
 */
import * as dagJson from '@ipld/dag-json'
import { Router } from 'express'
import { decodeLogHead } from '../../../protocol/log-head.js'
import { decodePolicyDocument } from '../../../protocol/policy-document.js'
import { HttpError } from '../http-error.js'
import { decimalInt } from '../schemas.js'
import type { Request, Response } from 'express'
import type { Registry } from 'prom-client'
import type { HttpRoute } from '../../metrics-labels.js'
import type { LogSource, PolicySource, ReadinessReport } from '../sources.js'

/** What the public routes use. */
export interface PublicRouteComponents {
  metricsRegistry: Registry
  policy: PolicySource
  log: LogSource
  readiness: () => ReadinessReport
}

/** Media types `GET /policy` and `GET /log/head` can answer with, the default first. */
const IPLD_TYPES = ['application/vnd.ipld.dag-cbor', 'application/cbor', 'application/vnd.ipld.dag-json', 'application/json']
/** Media type of inclusion proofs. */
export const CAR_MEDIA_TYPE = 'application/vnd.ipld.car'

/** Sets the route name the metrics and logs use. */
export function named (route: HttpRoute): (req: Request, res: Response, next: () => void) => void {
  return (_req, res, next) => {
    res.locals.route = route
    next()
  }
}

/** Sends canonical DAG-CBOR `bytes`, or their DAG-JSON form when the client prefers JSON. */
function sendIpld (req: Request, res: Response, bytes: Uint8Array, cid: string, decode: (bytes: Uint8Array) => unknown): void {
  const type = req.accepts(IPLD_TYPES)
  if (type === false) throw new HttpError(406, 'not_acceptable', `acceptable: ${IPLD_TYPES.join(', ')}`)
  res.set('ETag', `"${cid}"`).set('Cache-Control', 'no-cache')
  if (type.endsWith('cbor')) {
    res.type(type).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    return
  }
  // DAG-JSON is JSON: a client that asked for application/json gets that type
  res.type(type).send(Buffer.from(dagJson.encode(decode(bytes))))
}

/** The public router. */
export function publicRoutes (c: PublicRouteComponents): Router {
  const router = Router()

  router.get('/healthz', named('healthz'), (_req, res) => {
    res.json({ status: 'ok' })
  })

  router.get('/readyz', named('readyz'), (_req, res) => {
    const checks = c.readiness()
    const ready = Object.values(checks).every((ok) => ok)
    res.status(ready ? 200 : 503).json({ ready, checks })
  })

  router.get('/metrics', named('metrics'), async (_req, res) => {
    const text = await c.metricsRegistry.metrics()
    res.type(c.metricsRegistry.contentType).send(text)
  })

  router.get('/policy', named('policy'), async (req, res) => {
    const { bytes, cid } = await c.policy.current()
    sendIpld(req, res, bytes, cid.toString(), decodePolicyDocument)
  })

  router.get('/log/head', named('log_head'), async (req, res) => {
    const head = await c.log.head()
    if (head === undefined) throw new HttpError(404, 'no_log_head', 'the transfer log has no committed head yet')
    sendIpld(req, res, head.bytes, head.cid.toString(), decodeLogHead)
  })

  router.get('/log/proof/:seq', named('log_proof'), async (req, res) => {
    const parsed = decimalInt.safeParse(req.params.seq)
    if (!parsed.success) throw new HttpError(400, 'invalid_seq', 'seq must be a non-negative decimal integer')
    const car = await c.log.proof(parsed.data)
    if (car === undefined) throw new HttpError(404, 'no_such_record', `no record ${parsed.data} in the committed log`)
    res.type(CAR_MEDIA_TYPE).send(Buffer.from(car.buffer, car.byteOffset, car.byteLength))
  })

  return router
}
