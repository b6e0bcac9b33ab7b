/**
 * `npm run bench`: runs each bench module's `run()` in turn and writes its result to
 * bench-results/<name>.json. A bench module exports `run(): Promise<object>`; add it to BENCHES.
 */
import { writeBenchResult } from './bench-results.js'

/** A bench: a name (its JSON file) and a loader for its module. */
interface Bench {
  name: string
  load: () => Promise<{ run: () => Promise<object> }>
}

const BENCHES: Bench[] = [
  { name: 'hamt', load: async () => import('./hamt.bench.js') },
  { name: 'graphsync', load: async () => import('./graphsync.bench.js') },
  { name: 'ledger', load: async () => import('./ledger.bench.js') },
  { name: 'relay', load: async () => import('./relay.bench.js') },
  { name: 'attachment', load: async () => import('./attachment.bench.js') },
  { name: 'fleet-ledger', load: async () => import('./fleet-ledger.bench.js') }
]

for (const bench of BENCHES) {
  const started = performance.now()
  const { run } = await bench.load()
  const path = await writeBenchResult(bench.name, await run())
  console.log('%s: %d s, wrote %s', bench.name, Math.round((performance.now() - started) / 1000), path)
}
