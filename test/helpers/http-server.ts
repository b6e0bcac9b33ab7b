/**
 * Test helper: the real HTTP server (express on 127.0.0.1 port 0) over a real classic-level
 * ledger in a mkdtemp directory, a real prom-client registry with the relay's metrics, and the
 * in-memory sources of http-sources.ts. Logs go to a buffer the test can read.
 */
import '../../relay/runtime-shim.js'
import { Writable } from 'node:stream'
import { Registry } from 'prom-client'
import { createHttpServer } from '../../relay/http/server.js'
import { createLogger } from '../../relay/logger.js'
import { createRelayMetrics } from '../../relay/metrics.js'
import { generateAdminToken } from '../../relay/keys.js'
import { createTestLedger, OPERATOR } from './ledger.js'
import { MemoryBindingSource, MemoryLogSource, MemoryPolicySource, defaultTestPolicy } from './http-sources.js'
import type { HttpServer, HttpServerInit } from '../../relay/http/server.js'
import type { RelayMetrics } from '../../relay/metrics.js'
import type { ReadinessReport } from '../../relay/http/sources.js'
import type { TestLedger } from './ledger.js'

/** A running test server and everything behind it. */
export interface TestHttpServer {
  url: string
  port: number
  token: string
  server: HttpServer
  ledger: TestLedger
  registry: Registry
  metrics: RelayMetrics
  policy: MemoryPolicySource
  log: MemoryLogSource
  bindings: MemoryBindingSource
  readiness: ReadinessReport
  /** Every log line written so far, parsed. */
  logLines: () => Array<Record<string, unknown>>
  cleanup: () => Promise<void>
}

/** Starts a server; the caller runs `cleanup` in `after()`. */
export async function startTestHttpServer (init: HttpServerInit = {}): Promise<TestHttpServer> {
  const ledger = await createTestLedger()
  const registry = new Registry()
  const metrics = createRelayMetrics(registry, { version: '0.0.0-test', commit: 'test' })
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')); cb() } })
  const logger = createLogger({ level: 'debug', format: 'json', destination })
  const policy = new MemoryPolicySource(defaultTestPolicy(OPERATOR.privateKey))
  const log = new MemoryLogSource()
  const bindings = new MemoryBindingSource()
  const readiness: ReadinessReport = { ledger: true, libp2p: true, log: true }
  const token = generateAdminToken()
  const server = createHttpServer(
    { ledger: ledger.ledger, metricsRegistry: registry, policy, log, bindings, readiness: () => ({ ...readiness }), logger, tauPrivateKey: OPERATOR.privateKey, tracer: metrics, now: () => 1_700_000_000_000 },
    { host: '127.0.0.1', port: 0, adminToken: token, ...init }
  )
  await server.start()
  const port = server.address?.port ?? 0
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    server,
    ledger,
    registry,
    metrics,
    policy,
    log,
    bindings,
    readiness,
    logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    cleanup: async () => {
      await server.stop()
      await ledger.cleanup()
    }
  }
}
