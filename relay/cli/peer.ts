/**
 * `tau-relay peer`: the target peer's commands.
 * - `peer serve`: a target peer (relay/peer/target-peer.ts) serving the blocks of CAR files from
 *   disk over graphsync, answering future-state for `--chain` with `--state-root` (fixed) or
 *   `--state-root-file` (re-read when it changes), holding a reservation on `--relay` and
 *   publishing its binding there when `--key` (a TAU key) is given. Prints one JSON line
 *   `{"msg":"peer ready", peerId, tau, addrs, roots, bindingPublished}`, then one
 *   `{"msg":"state root changed", chain, root}` per new root, and serves until SIGINT or SIGTERM.
 * - `peer publish`: packs files and folders into a TAU attachment CAR (relay/attachments/publish.ts).
 */
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { publishAttachment } from '../attachments/publish.js'
import { readLibp2pKeyFile, readTauKeyFile } from '../keys.js'
import { openCarFiles } from '../peer/car-store.js'
import { watchStateRootFile } from '../peer/state-root-file.js'
import { startTargetPeer } from '../peer/target-peer.js'
import { CliUsageError, EXIT } from './io.js'
import type { StateRootWatcher } from '../peer/state-root-file.js'

/** Usage of `peer`. */
export const PEER_USAGE = `tau-relay peer serve --car FILE… [--relay MULTIADDR] [--chain HEX (--state-root CID | --state-root-file FILE)]
                      [--key TAU-KEY-FILE] [--peer-key LIBP2P-KEY-FILE] [--listen MULTIADDR… | --relay-only]
                      [--rate-limit-mbps MB_PER_S]
tau-relay peer publish PATH… --out FILE.car [--cwd DIR] [--json]`

const SERVE_OPTIONS = {
  car: { type: 'string', multiple: true },
  relay: { type: 'string' },
  chain: { type: 'string' },
  'state-root': { type: 'string' },
  'state-root-file': { type: 'string' },
  key: { type: 'string' },
  'peer-key': { type: 'string' },
  listen: { type: 'string', multiple: true },
  // a NATed peer: no direct listener, reachable only through its reservation on --relay
  'relay-only': { type: 'boolean', default: false },
  // upload limit in MB/s (10^6 bytes), e.g. 20 for a phone's uplink in benches
  'rate-limit-mbps': { type: 'string' },
  json: { type: 'boolean', default: true },
  help: { type: 'boolean', short: 'h', default: false }
} as const

const PUBLISH_OPTIONS = {
  out: { type: 'string' },
  cwd: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** Runs `peer`. */
export async function peerCommand (args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(PEER_USAGE)
    return EXIT.ok
  }
  if (sub === 'serve') return serveCommand(rest)
  if (sub === 'publish') return publishCommand(rest)
  throw new CliUsageError(`usage: ${PEER_USAGE}`)
}

/** `peer publish PATH… --out FILE.car`: prints the attachment root, piece count, TGZ bytes and the CAR. */
async function publishCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: PUBLISH_OPTIONS, allowPositionals: true, strict: true })
  if (values.help) {
    console.log(PEER_USAGE)
    return EXIT.ok
  }
  if (positionals.length === 0) throw new CliUsageError('peer publish needs at least one PATH')
  if (values.out === undefined) throw new CliUsageError('peer publish needs --out FILE.car')
  const published = await publishAttachment(positionals, { out: values.out, cwd: values.cwd })
  const summary = { attachmentRoot: published.root.toString(), pieces: published.pieces, bytes: published.bytes, car: published.car }
  if (values.json) console.log(JSON.stringify(summary))
  else console.log(`attachment ${summary.attachmentRoot}\n  ${summary.pieces} pieces, ${summary.bytes} bytes of TGZ\n  written to ${summary.car}`)
  return EXIT.ok
}

/** `peer serve`: runs a target peer until SIGINT or SIGTERM. */
async function serveCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: SERVE_OPTIONS, allowPositionals: true, strict: true })
  if (values.help) {
    console.log(PEER_USAGE)
    return EXIT.ok
  }
  if (positionals.length !== 0) throw new CliUsageError(`usage: ${PEER_USAGE}`)
  const cars = values.car ?? []
  if (cars.length === 0) throw new CliUsageError('peer serve needs at least one --car FILE')
  const rootGiven = (values['state-root'] === undefined ? 0 : 1) + (values['state-root-file'] === undefined ? 0 : 1)
  if (rootGiven > 1) throw new CliUsageError('give --state-root or --state-root-file, not both')
  if ((values.chain === undefined) !== (rootGiven === 0)) throw new CliUsageError('--chain goes with --state-root or --state-root-file')
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
    if (values['rate-limit-mbps'] !== undefined && !(Number(values['rate-limit-mbps']) > 0)) throw new Error('--rate-limit-mbps must be a positive number')
  } catch (err: unknown) {
    throw new CliUsageError(err instanceof Error ? err.message : String(err))
  }
  let watcher: StateRootWatcher | undefined
  let onRoot: (root: CID) => void = () => {}
  const rootFile = values['state-root-file']
  if (rootFile !== undefined) {
    watcher = await watchStateRootFile(rootFile, (root) => { onRoot(root) }, {
      onInvalid: (reason) => { console.error(JSON.stringify({ msg: 'state root file ignored', file: rootFile, reason })) }
    })
    stateRoot = watcher.root
  }
  const loaded = await openCarFiles(cars)
  try {
    const tauPrivateKey = values.key === undefined ? undefined : await readTauKeyFile(values.key)
    const privateKey = values['peer-key'] === undefined ? undefined : await readLibp2pKeyFile(values['peer-key'])
    const maxBytesPerSecond = values['rate-limit-mbps'] === undefined ? undefined : Number(values['rate-limit-mbps']) * 1e6
    const peer = await startTargetPeer({ blockStore: loaded.store, relayAddr, chain, stateRoot, tauPrivateKey, privateKey, listen: values['relay-only'] ? [] : values.listen, maxBytesPerSecond })
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
    if (chain !== undefined) {
      const chainId = chain
      onRoot = (root) => {
        peer.setStateRoot(chainId, root)
        console.log(JSON.stringify({ msg: 'state root changed', chain: Buffer.from(chainId).toString('hex'), root: root.toString() }))
      }
      // the file may have changed while the peer started; the watcher kept that root
      if (watcher !== undefined && stateRoot !== undefined && !watcher.root.equals(stateRoot)) onRoot(watcher.root)
    }
    await stopped
    await peer.stop()
  } finally {
    watcher?.close()
    await loaded.close()
  }
  return EXIT.ok
}
