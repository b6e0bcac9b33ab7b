/**
 * `tau-relay init [--data-dir D]`: makes a data directory ready to start — TAU key, libp2p key,
 * admin token, the first signed policy (`policy.cbor`) and a config file (`relay.config.json`,
 * every key at its default, `dataDir: "."` so it travels with the folder). Existing files are
 * kept, so running it twice changes nothing.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { configToJson } from '../config.js'
import { ensureDataDir, pathExists } from '../data-dir.js'
import { createInitialPolicy, writePolicyFile } from '../initial-policy.js'
import { COMMON_OPTIONS, cliConfig } from './context.js'
import { EXIT, keyValueText, print } from './io.js'

/** Usage of `init`. */
export const INIT_USAGE = 'tau-relay init [--data-dir DIR] [--config FILE] [--json]'

/** Runs `init`. */
export async function initCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: COMMON_OPTIONS, strict: true })
  if (values.help) {
    console.log(INIT_USAGE)
    return EXIT.ok
  }
  const config = cliConfig(values)
  const dataDir = await ensureDataDir(config.dataDir)
  const generated = [...dataDir.generated]
  let policyCid: string
  if (await pathExists(dataDir.paths.policy)) {
    policyCid = '(kept existing policy.cbor)'
  } else {
    const policy = await createInitialPolicy({ tauPrivateKey: dataDir.tauPrivateKey, libp2pKey: dataDir.libp2pKey, terms: config.initialPolicy, nowMs: Date.now() })
    await writePolicyFile(dataDir.paths.policy, policy)
    generated.push(dataDir.paths.policy)
    policyCid = policy.cid.toString()
  }
  if (!await pathExists(dataDir.paths.config)) {
    const json = { ...configToJson(config), dataDir: '.' }
    await writeFile(dataDir.paths.config, JSON.stringify(json, null, 2) + '\n', { flag: 'wx', mode: 0o644 })
    generated.push(dataDir.paths.config)
  }
  const result = {
    dataDir: dataDir.paths.dir,
    tauAddress: formatTauAddress(dataDir.tauAddress),
    peerId: peerIdFromPrivateKey(dataDir.libp2pKey).toString(),
    policy: policyCid,
    config: dataDir.paths.config,
    adminTokenFile: dataDir.paths.adminToken,
    generated
  }
  print(values.json, result, () => keyValueText({ ...result, generated: generated.length === 0 ? 'nothing (already initialised)' : generated.join(', ') }))
  return EXIT.ok
}
