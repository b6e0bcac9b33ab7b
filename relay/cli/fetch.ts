/**
 * `tau-relay fetch`: a requester's sync through a relay (DESIGN.md §4.1). Fetches and pins the
 * relay's policy, signs the request with `--key` (or a fresh key, which has only free quota),
 * writes the verified blocks as a CARv1 in traversal order, saves the receipt file, and prints
 * `{status, root, blocks, bytes, charge, logRoot, receiptVerified}`. Exit 0 when the sync
 * completed, 1 when it ended otherwise or was rejected, 3 when the relay cannot be reached.
 */
import { createWriteStream } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import * as dagJson from '@ipld/dag-json'
import { CarWriter } from '@ipld/car/writer'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { EXPLORE_ALL_SELECTOR, RelaySyncClient } from '../client/relay-sync-client.js'
import { encodeReceiptFile } from '../client/receipt-file.js'
import { generateTauPrivateKey, readTauKeyFile } from '../keys.js'
import { CliUsageError, EXIT, print } from './io.js'
import { createDialerNode } from './p2p-node.js'
import { ProgressBar } from './progress.js'
import type { CheckedSyncResult } from '../client/result-check.js'

/** Usage of `fetch`. */
export const FETCH_USAGE = `tau-relay fetch --relay MULTIADDR --peer PEERID (--root CID | --chain HEX) --out FILE.car
                 [--selector DAGJSON] [--max-charge NANOTAU] [--max-blocks N] [--max-bytes N]
                 [--key FILE] [--receipt FILE] [--json]`

/** Defaults of a fetch: at most 1 TAU, 2^20 blocks, 4 GiB (the default policy's per-sync caps). */
const DEFAULT_MAX_CHARGE = 1_000_000_000n
const DEFAULT_MAX_BLOCKS = 2 ** 20
const DEFAULT_MAX_BYTES = 4 * 2 ** 30

const OPTIONS = {
  relay: { type: 'string' },
  peer: { type: 'string' },
  root: { type: 'string' },
  chain: { type: 'string' },
  selector: { type: 'string' },
  'max-charge': { type: 'string' },
  'max-blocks': { type: 'string' },
  'max-bytes': { type: 'string' },
  key: { type: 'string' },
  out: { type: 'string' },
  receipt: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** A CAR being written to `--out`. */
interface OpenCar {
  writer: ReturnType<typeof CarWriter.create>['writer']
  done: Promise<void>
}

function positiveInt (text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) throw new CliUsageError(`${name} must be a positive integer`)
  return Number(text)
}

function parseHex (text: string, name: string): Uint8Array {
  const clean = text.replace(/^0x/, '')
  if (!/^([0-9a-fA-F]{2})+$/.test(clean)) throw new CliUsageError(`${name} must be hex bytes`)
  return Uint8Array.from(Buffer.from(clean, 'hex'))
}

function parseOrUsage<T> (fn: () => T, what: string): T {
  try {
    return fn()
  } catch (err: unknown) {
    throw new CliUsageError(`${what}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Runs `fetch`. */
export async function fetchCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true })
  if (values.help) {
    console.log(FETCH_USAGE)
    return EXIT.ok
  }
  if (values.relay === undefined || values.peer === undefined || values.out === undefined) throw new CliUsageError(`fetch needs --relay, --peer and --out\n${FETCH_USAGE}`)
  if ((values.root === undefined) === (values.chain === undefined)) throw new CliUsageError('fetch needs exactly one of --root and --chain')
  const relay = parseOrUsage(() => multiaddr(values.relay ?? ''), '--relay')
  const peer = parseOrUsage(() => peerIdFromString(values.peer ?? ''), '--peer')
  const root = values.root === undefined ? undefined : parseOrUsage(() => CID.parse(values.root ?? ''), '--root')
  const chain = values.chain === undefined ? undefined : parseHex(values.chain, '--chain')
  const selector = values.selector === undefined ? EXPLORE_ALL_SELECTOR : parseOrUsage(() => dagJson.decode<Record<string, unknown>>(new TextEncoder().encode(values.selector)), '--selector')
  const maxCharge = values['max-charge'] === undefined ? DEFAULT_MAX_CHARGE : parseOrUsage(() => BigInt(values['max-charge'] ?? ''), '--max-charge')
  const maxBlocks = positiveInt(values['max-blocks'], '--max-blocks', DEFAULT_MAX_BLOCKS)
  const maxBytes = positiveInt(values['max-bytes'], '--max-bytes', DEFAULT_MAX_BYTES)
  const tauPrivateKey = values.key === undefined ? generateTauPrivateKey() : await readTauKeyFile(values.key)

  const node = await createDialerNode()
  try {
    const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey })
    let policy
    try {
      policy = await client.fetchPolicy(relay)
    } catch (err: unknown) {
      console.error(`tau-relay fetch: relay unreachable: ${err instanceof Error ? err.message : String(err)}`)
      return EXIT.unavailable
    }
    const run = client.sync({ relay, peer, root, chain, selector, maxBlocks, maxBytes, maxCharge, policyCid: policy.cid })
    const progress = new ProgressBar(maxBytes)
    const blocks: AsyncIterable<{ cid: CID, bytes: Uint8Array }> = run
    let car: OpenCar | undefined
    const openCar = (roots: CID[]): OpenCar => {
      const { writer, out } = CarWriter.create(roots)
      return { writer, done: pipeline(Readable.from(out), createWriteStream(values.out ?? '', { flags: 'w' })) }
    }
    let count = 0
    let bytes = 0
    let result: CheckedSyncResult
    try {
      for await (const block of blocks) {
        car ??= openCar([root ?? block.cid])
        await car.writer.put(block)
        progress.update(++count, bytes += block.bytes.byteLength)
      }
      result = await run.result
    } catch (err: unknown) {
      progress.done(count, bytes)
      if (car !== undefined) {
        await car.writer.close()
        await car.done
      }
      if (err instanceof Error && err.name === 'SyncRejectedError') {
        print(true, { status: 'rejected', reason: (err as Error & { reason: string }).reason, payer: formatTauAddress(client.payer) })
        await rm(values.out, { force: true })
        return EXIT.failure
      }
      throw err
    }
    progress.done(count, bytes)
    car ??= openCar(result.root === null ? [] : [result.root])
    await car.writer.close()
    await car.done
    if (values.receipt !== undefined && result.receipt !== undefined) {
      await writeFile(values.receipt, encodeReceiptFile({ v: 1, relay: policy.doc.relay.tau, receipt: result.receipt }))
    }
    const summary = {
      status: result.status,
      root: result.root?.toString() ?? null,
      blocks: result.blocks,
      bytes: result.bytes,
      charge: result.charge.toString(),
      logRoot: result.logRoot?.toString() ?? null,
      receiptVerified: result.receiptVerified,
      payer: formatTauAddress(client.payer)
    }
    print(values.json, summary, () => Object.entries(summary).map(([k, v]) => `${k}: ${String(v)}`).join('\n'))
    return result.status === 'completed' ? EXIT.ok : EXIT.failure
  } finally {
    await node.stop()
  }
}
