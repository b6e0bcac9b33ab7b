// ESLint 9 flat config: neostandard (the libp2p look) + aegir's additions + typed promise rules
// + the layering of DESIGN.md §2 (relay → accounting → protocol) as per-folder import bans.
import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'

/** Node modules that do I/O, hold clocks or randomness: never imported by pure protocol code. */
const IO_MODULES = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'tls', 'child_process',
  'cluster', 'worker_threads', 'os', 'process', 'readline', 'timers', 'timers/promises', 'v8', 'vm'
]
const nodeIo = IO_MODULES.flatMap((m) => [m, `node:${m}`])

/** Packages that touch the network, the disk or process-wide state. */
const IO_PACKAGES = ['classic-level', 'express', 'prom-client', 'ws', 'libp2p', '@libp2p/tcp',
  '@libp2p/websockets', '@libp2p/circuit-relay-v2', '@libp2p/identify', '@libp2p/ping',
  '@libp2p/prometheus-metrics', 'pg']

/** Network packages accounting/ never imports (its PostgreSQL client is allowed in one folder). */
const ACCOUNTING_NETWORK = ['express', 'prom-client', 'ws', 'libp2p', '@libp2p/tcp', '@libp2p/websockets',
  '@libp2p/circuit-relay-v2', 'net', 'node:net', 'http', 'node:http']

const relativeInto = (...folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`

export default [
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'data/**', 'bench-results/**', 'test/fixtures/lint/**', 'test/interop/dcdn-peer/**'] },
  ...neostandard({ ts: true }),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      curly: ['error', 'multi-line'],
      'max-depth': ['error', 4],
      'no-console': 'error',
      'no-void': ['error', { allowAsStatement: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true }],
      // node:test's describe/it return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    files: ['relay/cli.ts', 'relay/cli/**/*.ts', 'test/bench/**/*.ts'],
    rules: { 'no-console': 'off' }
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeIo, ...IO_PACKAGES].map((name) => ({ name, message: 'protocol/ is pure: no I/O modules (DESIGN.md §2)' })),
        patterns: [{ regex: relativeInto('accounting', 'relay', 'test'), message: 'protocol/ imports nothing project-internal outside protocol/ (DESIGN.md §2)' }]
      }]
    }
  },
  {
    files: ['accounting/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...ACCOUNTING_NETWORK, 'pg']
          .map((name) => ({ name, message: 'accounting/ does no network I/O; relay/ wires it (DESIGN.md §2)' })),
        patterns: [{ regex: relativeInto('relay', 'test'), message: 'accounting/ imports protocol/ only (DESIGN.md §2)' }]
      }]
    }
  },
  {
    // the one exception: the fleet ledger's PostgreSQL client (DESIGN.md §8)
    files: ['accounting/ledger-postgres/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ACCOUNTING_NETWORK.map((name) => ({ name, message: 'accounting/ does no network I/O but its database client (DESIGN.md §2)' })),
        patterns: [{ regex: relativeInto('relay', 'test'), message: 'accounting/ imports protocol/ only (DESIGN.md §2)' }]
      }]
    }
  }
]
