/**
 * Where a CLI command acts: a running relay through its admin API (`--admin URL`), or the data
 * directory of a stopped relay (`--data-dir`, else the config's `dataDir`). Never both at once:
 * opening the ledger of a running relay fails on LevelDB's lock with LedgerLockedError (exit 3).
 */
import { resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ClassicLevel } from 'classic-level'
import { PostgresLedger } from '../../accounting/ledger-postgres/postgres-ledger.js'
import { readAdminTokenFile } from '../keys.js'
import { adminTokenPath, loadConfig } from '../config.js'
import { isLevelLockedError, openDataDir, openLedger } from '../data-dir.js'
import { LedgerLockedError } from '../errors.js'
import { AdminClient } from './admin-client.js'
import type { LedgerBackend } from '../../accounting/ledger-api.js'
import type { RelayConfig } from '../config.js'
import type { DataDirKeys } from '../data-dir.js'

/** Options every command accepts (node:util parseArgs form). */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  admin: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** Parsed common options. */
export interface CommonValues {
  config?: string
  'data-dir'?: string
  admin?: string
  'token-file'?: string
  json?: boolean
}

/** The configuration, with `--data-dir` applied over it. */
export function cliConfig (values: CommonValues): RelayConfig {
  const config = loadConfig({ file: values.config })
  if (values['data-dir'] !== undefined) {
    config.dataDir = resolve(values['data-dir'])
  }
  return config
}

/** An admin API client for `--admin URL`, its token from `--token-file` or the configured token file. */
export async function adminClient (values: CommonValues, options: { token: boolean } = { token: true }): Promise<AdminClient | undefined> {
  if (values.admin === undefined) return undefined
  if (!options.token) return new AdminClient(values.admin)
  const tokenFile = values['token-file'] ?? adminTokenPath(cliConfig(values))
  return new AdminClient(values.admin, await readAdminTokenFile(tokenFile))
}

/** Opens the data directory and its ledger, runs `fn`, and closes the ledger. */
export async function withLedger<T> (values: CommonValues, fn: (ledger: LedgerBackend, dataDir: DataDirKeys) => Promise<T>): Promise<T> {
  const config = cliConfig(values)
  const dataDir = await openDataDir(config.dataDir)
  if (config.ledger.backend === 'postgres') return withFleetLedger(config, dataDir, fn)
  const ledger = await openLedger(dataDir.paths.ledger, {
    operatorAddress: dataDir.tauAddress,
    freeQuotaBytes: config.initialPolicy.freeQuotaBytes,
    freeQuotaPeriodMs: config.initialPolicy.freeQuotaPeriodMs,
    syncCharges: config.ledger.syncCharges
  })
  try {
    return await fn(ledger, dataDir)
  } finally {
    await ledger.stop()
  }
}

/** The fleet's PostgreSQL ledger, with this node's LevelDB so `check()` also checks this node's log against it. */
async function withFleetLedger<T> (config: RelayConfig, dataDir: DataDirKeys, fn: (ledger: LedgerBackend, dataDir: DataDirKeys) => Promise<T>): Promise<T> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir.paths.ledger, { keyEncoding: 'view', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err: unknown) {
    if (isLevelLockedError(err)) throw new LedgerLockedError(dataDir.paths.ledger)
    throw err
  }
  try {
    const ledger = new PostgresLedger({ logDb: db }, {
      nodeId: peerIdFromPrivateKey(dataDir.libp2pKey).toMultihash().bytes,
      connectionString: config.ledger.postgresUrl ?? undefined,
      operatorAddress: dataDir.tauAddress,
      freeQuotaBytes: config.initialPolicy.freeQuotaBytes,
      freeQuotaPeriodMs: config.initialPolicy.freeQuotaPeriodMs,
      poolSize: 2
    })
    await ledger.start()
    try {
      return await fn(ledger, dataDir)
    } finally {
      await ledger.stop()
    }
  } finally {
    await db.close()
  }
}
