/**
 * `tau-relay peer serve`: a target peer (relay/peer/target-peer.ts) serving the blocks of CAR
 * files over graphsync, answering future-state for `--chain` with `--state-root`, holding a
 * reservation on `--relay` and publishing its binding there when `--key` (a TAU key) is given.
 * Prints one JSON line `{"msg":"peer ready", peerId, tau, addrs, roots, bindingPublished}` and
 * serves until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { readLibp2pKeyFile, readTauKeyFile } from '../keys.js'
import { loadCarFiles } from '../peer/car-store.js'
import { startTargetPeer } from '../peer/target-peer.js'
import { CliUsageError, EXIT } from './io.js'

/** Usage of `peer`. */
export const PEER_USAGE = `tau-relay peer serve --car FILE… [--relay MULTIADDR] [--chain HEX --state-root CID]
                      [--key TAU-KEY-FILE] [--peer-key LIBP2P-KEY-FILE] [--listen MULTIADDR… | --relay-only]`

const OPTIONS = {
  car: { type: 'string', multiple: true },
  relay: { type: 'string' },
  chain: { type: 'string' },
  'state-root': { type: 'string' },
  key: { type: 'string' },
  'peer-key': { type: 'string' },
  listen: { type: 'string', multiple: true },
  // a NATed peer: no direct listener, reachable only through its reservation on --relay
  'relay-only': { type: 'boolean', default: false },
  json: { type: 'boolean', default: true },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** Runs `peer`. */
export async function peerCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (values.help) {
    console.log(PEER_USAGE)
    return EXIT.ok
  }
  if (positionals[0] !== 'serve' || positionals.length !== 1) throw new CliUsageError(`usage: ${PEER_USAGE}`)
  const cars = values.car ?? []
  if (cars.length === 0) throw new CliUsageError('peer serve needs at least one --car FILE')
  if ((values.chain === undefined) !== (values['state-root'] === undefined)) throw new CliUsageError('--chain and --state-root go together')
  if (values['relay-only'] && (values.relay === undefined || values.listen !== undefined)) throw new CliUsageError('--relay-only needs --relay and no --listen')
  let chain: Uint8Array | undefined
  let stateRoot: CID | undefined
  let relayAddr
  try {
    if (values.chain !== undefined) {
      const hex = values.chain.replace(/^0x/, '')
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error('--chain must be hex bytes')
      chain = Uint8Array.from(Buffer.from(hex, 'hex'))
    }
    if (values['state-root'] !== undefined) stateRoot = CID.parse(values['state-root'])
    if (values.relay !== undefined) relayAddr = multiaddr(values.relay)
  } catch (err: unknown) {
    throw new CliUsageError(err instanceof Error ? err.message : String(err))
  }
  const loaded = await loadCarFiles(cars)
  const tauPrivateKey = values.key === undefined ? undefined : await readTauKeyFile(values.key)
  const privateKey = values['peer-key'] === undefined ? undefined : await readLibp2pKeyFile(values['peer-key'])
  const peer = await startTargetPeer({ blockStore: loaded.store, relayAddr, chain, stateRoot, tauPrivateKey, privateKey, listen: values['relay-only'] ? [] : values.listen })
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => { resolve() })
    process.once('SIGTERM', () => { resolve() })
  })
  console.log(JSON.stringify({
    msg: 'peer ready',
    peerId: peer.peerId.toString(),
    tau: peer.tau === undefined ? null : formatTauAddress(peer.tau),
    addrs: peer.node.getMultiaddrs().map((a) => a.toString()),
    roots: loaded.roots.map((r) => r.toString()),
    blocks: loaded.blocks,
    bindingPublished: peer.bindingPublished
  }))
  await stopped
  await peer.stop()
  return EXIT.ok
}
