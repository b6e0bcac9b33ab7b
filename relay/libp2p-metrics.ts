/**
 * libp2p's Prometheus metrics on the relay's own registry, one isolated instance per node.
 *
 * @libp2p/prometheus-metrics 5 keeps a module-level map of every metric it made (DESIGN.md §9.6):
 * a second node in the same process with `preserveExistingMetrics: true` gets the first node's
 * metric objects back — registered on the first node's registry, updated by both nodes, its own
 * `calculate` callbacks dropped — and with `false` it clears the map under the first node, whose
 * next lazy registration then throws "already registered". Tests start several relays in one
 * process, and a relay restarted in-process needs a clean set too. So every node imports its own
 * instance of the module (an ES module is instantiated once per URL, and a query string makes a
 * new URL); its submodules and prom-client stay shared, they hold no state. One extra module
 * instance per node started is the cost (a few KB, never unloaded).
 */
import { randomUUID } from 'node:crypto'
import type { prometheusMetrics as PrometheusMetricsFactory } from '@libp2p/prometheus-metrics'

/** The `prometheusMetrics` factory of a fresh, private instance of @libp2p/prometheus-metrics. */
export async function isolatedPrometheusMetrics (): Promise<typeof PrometheusMetricsFactory> {
  const url = new URL(import.meta.resolve('@libp2p/prometheus-metrics'))
  url.searchParams.set('instance', randomUUID())
  const mod = await import(url.href) as typeof import('@libp2p/prometheus-metrics')
  return mod.prometheusMetrics
}
