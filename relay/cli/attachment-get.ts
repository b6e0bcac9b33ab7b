/**
 * `tau-relay attachment get`: downloads an attachment from several routes in parallel (the
 * downloader, relay/downloader/), then unpacks its TGZ into `--out`. A route is a target peer
 * through a relay, written as libp2p writes "PEER reached through RELAY":
 * `/ip4/…/tcp/…/p2p/RELAY/p2p-circuit/p2p/PEER` (or `RELAY_MULTIADDR@PEER`). The TGZ is assembled
 * in `--tgz FILE` (default `<out>.attachment.tgz`, removed after a successful unpack unless named);
 * re-running the same command resumes it. Exit 0 when unpacked (or complete with `--no-unpack`),
 * 1 when the download stopped (spend cap, every route failed) or failed, 3 when no relay answered.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { unpackAttachment } from '../attachments/unpack.js'
import { RelaySyncClient } from '../client/relay-sync-client.js'
import { encodeReceiptFile } from '../client/receipt-file.js'
import { AttachmentDownloader } from '../downloader/downloader.js'
import { readVerifiedPieces } from '../downloader/read-pieces.js'
import { generateTauPrivateKey, readTauKeyFile } from '../keys.js'
import { CliUsageError, EXIT, print } from './io.js'
import { createDialerNode } from './p2p-node.js'
import { ProgressBar } from './progress.js'
import type { DownloadReport, DownloadRoute } from '../downloader/types.js'

/** Usage of `attachment get`. */
export const ATTACHMENT_GET_USAGE = `tau-relay attachment get --root CID --pieces M --route RELAY_MULTIADDR/p2p-circuit/p2p/PEERID… --out DIR
                 [--key FILE] [--max-charge NANOTAU] [--max-charge-per-route NANOTAU] [--concurrency N]
                 [--tgz FILE] [--no-unpack] [--receipts DIR] [--json]`

const OPTIONS = {
  root: { type: 'string' },
  pieces: { type: 'string' },
  route: { type: 'string', multiple: true },
  out: { type: 'string' },
  key: { type: 'string' },
  'max-charge': { type: 'string' },
  'max-charge-per-route': { type: 'string' },
  concurrency: { type: 'string' },
  tgz: { type: 'string' },
  'no-unpack': { type: 'boolean', default: false },
  receipts: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** Parses one `--route`: the circuit form `<relay>/p2p-circuit/p2p/<peer>` or `<relay>@<peer>`. */
export function parseRoute (text: string): DownloadRoute {
  const at = text.lastIndexOf('@')
  const circuit = text.lastIndexOf('/p2p-circuit/p2p/')
  let relay: string
  let peer: string
  if (at > 0) {
    relay = text.slice(0, at)
    peer = text.slice(at + 1)
  } else if (circuit > 0) {
    relay = text.slice(0, circuit)
    peer = text.slice(circuit + '/p2p-circuit/p2p/'.length)
  } else {
    throw new CliUsageError(`--route ${text}: expected RELAY_MULTIADDR/p2p-circuit/p2p/PEERID or RELAY_MULTIADDR@PEERID`)
  }
  try {
    const relayAddr = multiaddr(relay)
    if (!relayAddr.getComponents().some((c) => c.name === 'p2p')) throw new Error('the relay address needs its /p2p/ id')
    return { relay: relayAddr, peer: peerIdFromString(peer) }
  } catch (err: unknown) {
    throw new CliUsageError(`--route ${text}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function amount (text: string | undefined, name: string): bigint | undefined {
  if (text === undefined) return undefined
  if (!/^(0|[1-9][0-9]{0,18})$/.test(text)) throw new CliUsageError(`${name} must be a whole number of nanoTAU`)
  return BigInt(text)
}

function positiveInt (text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new CliUsageError(`${name} must be a positive integer`)
  return Number(text)
}

/** The report as JSON: bigints as decimal strings, receipts as their log roots and charges. */
export function reportJson (report: DownloadReport): Record<string, unknown> {
  return {
    ...report,
    charge: report.charge.toString(),
    chargeUpperBound: report.chargeUpperBound.toString(),
    mbPerSecond: report.elapsedMs === 0 ? 0 : Math.round(report.bytes / 1e3 / report.elapsedMs * 100) / 100,
    routes: report.routes.map((r) => ({
      ...r,
      charge: r.charge.toString(),
      unreceiptedHolds: r.unreceiptedHolds.toString(),
      receipts: r.receipts.map((e) => ({ logRoot: e.logRoot, status: e.status, charge: e.charge.toString(), blocks: e.blocks, bytes: e.bytes }))
    }))
  }
}

/** Runs `attachment get`. */
export async function attachmentGetCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true })
  if (values.help) {
    console.log(ATTACHMENT_GET_USAGE)
    return EXIT.ok
  }
  if (values.root === undefined || values.pieces === undefined || values.out === undefined || (values.route ?? []).length === 0) {
    throw new CliUsageError(`attachment get needs --root, --pieces, --out and at least one --route\n${ATTACHMENT_GET_USAGE}`)
  }
  let root: CID
  try {
    root = CID.parse(values.root)
  } catch {
    throw new CliUsageError(`--root is not a CID: ${values.root}`)
  }
  const pieces = positiveInt(values.pieces, '--pieces') as number
  const routes = (values.route ?? []).map(parseRoute)
  const out = resolve(values.out)
  const tgz = resolve(values.tgz ?? `${out}.attachment.tgz`)
  const tauPrivateKey = values.key === undefined ? generateTauPrivateKey() : await readTauKeyFile(values.key)

  const node = await createDialerNode()
  const controller = new AbortController()
  const interrupt = (): void => { controller.abort(new Error('interrupted')) }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey })
    const progress = new ProgressBar(pieces * ATTACHMENT_PIECE_BYTES)
    const downloader = new AttachmentDownloader({
      root,
      pieces,
      routes,
      out: tgz,
      client,
      maxChargeTotal: amount(values['max-charge'], '--max-charge'),
      maxChargePerRoute: amount(values['max-charge-per-route'], '--max-charge-per-route'),
      concurrencyPerRoute: positiveInt(values.concurrency, '--concurrency'),
      signal: controller.signal,
      onProgress: (p) => { progress.update(p.donePieces, p.donePieces * ATTACHMENT_PIECE_BYTES) }
    })
    let failure: Error | undefined
    try {
      await downloader.download()
    } catch (err: unknown) {
      failure = err instanceof Error ? err : new Error(String(err))
    }
    const report = downloader.report()
    progress.done(report.resumedPieces + report.fetchedPieces, (report.resumedPieces + report.fetchedPieces) * ATTACHMENT_PIECE_BYTES)
    if (values.receipts !== undefined) await writeReceipts(values.receipts, report)
    const summary: Record<string, unknown> = { status: 'completed', ...reportJson(report), payer: formatTauAddress(client.payer), tgz }
    if (failure !== undefined) {
      summary.status = failure.name === 'SpendCapReachedError' ? 'spend_cap_reached' : 'failed'
      summary.error = { name: failure.name, message: failure.message }
      print(values.json, summary, () => `download stopped: ${failure.message}\n${report.resumedPieces + report.fetchedPieces} of ${pieces} pieces in ${tgz} (run again to resume)`)
      const unreachable = report.routes.every((r) => r.dropped && r.syncs === 0)
      return unreachable ? EXIT.unavailable : EXIT.failure
    }
    if (!values['no-unpack']) {
      const unpacked = await unpackAttachment(readVerifiedPieces(tgz, downloader.pieceCids()), out)
      summary.unpacked = { out: unpacked.dest, entries: unpacked.entries, bytes: unpacked.bytes }
      if (values.tgz === undefined) await rm(tgz, { force: true })
    }
    print(values.json, summary, () => `${pieces} pieces, ${report.bytes} bytes in ${report.elapsedMs} ms, charged ${report.charge} nanoTAU` +
      (values['no-unpack'] ? `\nTGZ in ${tgz}` : `\nunpacked into ${out}`))
    return EXIT.ok
  } finally {
    process.removeListener('SIGINT', interrupt)
    process.removeListener('SIGTERM', interrupt)
    await node.stop()
  }
}

async function writeReceipts (dir: string, report: DownloadReport): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const [r, route] of report.routes.entries()) {
    for (const [k, entry] of route.receipts.entries()) {
      await writeFile(join(dir, `route${r}-${k}.receipt`), encodeReceiptFile({ v: 1, relay: entry.relayTau, receipt: entry.receipt }))
    }
  }
}
