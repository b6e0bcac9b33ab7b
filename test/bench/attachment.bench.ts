/**
 * Attachment download bench (issue 8 part 6), loopback, one machine: a 256 MiB attachment (1,024
 * pieces of 256 KiB) downloaded by `downloadAttachment` from 1, 2 and 4 NATed target peers behind
 * 1 and then 2 relays (target i reserves on relay i mod R; one NATed peer cannot sit behind two
 * relays, so "1 peer, 2 relays" is not a case). Relays (`tau-relay start`, charging 1,000 nanoTAU
 * per block + 1,000,000 per MiB, no free quota) and targets (`tau-relay peer serve --relay-only`)
 * are child processes; the downloader runs here. Reports MB/s (10^6 bytes of blocks received per
 * second, index and path nodes included) and the total charge of each case.
 *
 * Phone-like uplinks: every target runs with `--rate-limit-mbps 20`, i.e. `maxBytesPerSecond`
 * 20e6 through relay/peer/target-peer.ts into the graphsync service, whose responder shares ONE
 * token bucket (relay/graphsync/token-bucket.ts, burst 512 KiB) across all of that peer's outgoing
 * response queues: each framed graphsync message waits for its bytes' tokens right before it is
 * written to the stream (before noise and yamux), so a target uploads at most 20 MB/s of
 * graphsync messages in total, whichever relays and syncs it serves.
 * Each case also reports the CPU seconds per GiB of all its processes and the load average: with
 * 2 cores, MB/s can never exceed 2 / (CPU-s per MB), whatever the number of peers.
 * Run alone: node dist/test/bench/attachment.bench.js ['{"pieces":1024,"rateLimitMbps":20}']
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { equals } from 'multiformats/bytes'
import { createDialerNode } from '../../relay/cli/p2p-node.js'
import { RelaySyncClient } from '../../relay/client/relay-sync-client.js'
import { downloadAttachment } from '../../relay/downloader/downloader.js'
import { buildRandomAttachment } from '../helpers/attachment-download.js'
import { writeCarFile } from '../helpers/car.js'
import { testKey } from '../helpers/ledger.js'
import { childEnv, creditThroughAdmin, startProcess, stopProcess, writeTestRelayConfig } from '../helpers/relay-process.js'
import { round, withTimeout, writeBenchResult } from './bench-results.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'
import type { TestAttachment } from '../helpers/attachment-download.js'
import type { DownloadReport, DownloadRoute } from '../../relay/downloader/types.js'

/** Knobs of one run. */
export interface AttachmentBenchInit {
  /** @default 1024 (256 MiB) */
  pieces?: number
  /** Upload limit of each target, MB/s. @default 20 */
  rateLimitMbps?: number
}

const PAYER = testKey('attachment bench payer')
/** 100 TAU per relay: 256 MiB costs ~0.27 TAU a run. */
const CREDIT_NANO_TAU = 100_000_000_000n
/** 256 MiB at 20 MB/s takes ~14 s; 5 minutes means something hangs. */
const CASE_TIMEOUT_MS = 5 * 60_000
const CASES: ReadonlyArray<{ relays: number, peers: number[] }> = [{ relays: 1, peers: [1, 2, 4] }, { relays: 2, peers: [2, 4] }]

interface Relay { dir: string, process: RunningProcess<RelayStartedLine> }

/** CPU seconds (user + system) used so far by the processes `pids` (Linux /proc; 0 elsewhere). */
async function cpuSeconds (pids: number[]): Promise<number> {
  let ticks = 0
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    // fields after the parenthesised command name: utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
  }
  // USER_HZ is 100 on every Linux this runs on
  return ticks / 100
}

/** Downloads the attachment once over `routes` and checks the file; the case's figures. */
async function measure (attachment: TestAttachment, routes: DownloadRoute[], client: RelaySyncClient, out: string, pids: number[]): Promise<Record<string, unknown>> {
  let report: DownloadReport | undefined
  const cpu0 = await cpuSeconds(pids)
  const self0 = process.cpuUsage()
  await withTimeout((async () => { report = await downloadAttachment({ root: attachment.root, pieces: attachment.pieces.length, routes, out, client }) })(), CASE_TIMEOUT_MS)
  const done = report as DownloadReport
  const self = process.cpuUsage(self0)
  const cpu = await cpuSeconds(pids) - cpu0 + (self.user + self.system) / 1e6
  if (!equals(new Uint8Array(await readFile(out)), attachment.bytes)) throw new Error(`${out}: the downloaded file differs`)
  await rm(out)
  return {
    seconds: round(done.elapsedMs / 1000),
    mbPerSecond: round(done.bytes / 1e3 / done.elapsedMs),
    chargeNanoTau: done.charge.toString(),
    // every process of the pipeline: relays, targets and this downloader
    cpuSecondsPerGiB: round(cpu / (done.bytes / 2 ** 30)),
    // others' work on a shared machine shows here: above the core count, every figure is CPU-starved
    loadAverage1m: round(loadavg()[0]),
    syncs: done.routes.reduce((n, r) => n + r.syncs, 0),
    piecesPerRoute: done.routes.map((r) => r.pieces),
    slowReissues: done.routes.reduce((n, r) => n + r.slowReissues, 0)
  }
}

/** Runs the bench and returns its figures. */
export async function run (init: AttachmentBenchInit = {}): Promise<object> {
  const pieces = init.pieces ?? 1024
  const rate = init.rateLimitMbps ?? 20
  const dir = await mkdtemp(join(tmpdir(), 'tau-attachment-bench-'))
  const env = childEnv({})
  const stops: Array<() => Promise<void>> = []
  const node = await createDialerNode()
  try {
    const attachment = await buildRandomAttachment(pieces, 42, 100_000)
    await writeCarFile(join(dir, 'attachment.car'), [attachment.root], attachment.blocks)
    const startRelay = async (name: string): Promise<Relay> => {
      const relayDir = join(dir, name)
      await mkdir(relayDir)
      const process = await startProcess<RelayStartedLine>(['start', '--config', await writeTestRelayConfig(relayDir)], { cwd: relayDir, env, msg: 'relay started' })
      stops.push(async () => { await stopProcess(process, 'SIGTERM') })
      await creditThroughAdmin(join(relayDir, 'data'), process.line.http, PAYER, CREDIT_NANO_TAU)
      return { dir: relayDir, process }
    }
    const relays = await Promise.all([startRelay('relay1'), startRelay('relay2')])
    const client = new RelaySyncClient({ libp2p: node }, { tauPrivateKey: PAYER.privateKey })
    const results: Array<Record<string, unknown>> = []
    for (const { relays: relayCount, peers: peerCounts } of CASES) {
      const targets = await Promise.all([0, 1, 2, 3].map(async (i) => startProcess<{ peerId: string }>(['peer', 'serve', '--car', join(dir, 'attachment.car'),
        '--relay', relays[i % relayCount].process.line.multiaddrs[0], '--relay-only', '--rate-limit-mbps', String(rate)], { cwd: dir, env, msg: 'peer ready' })))
      try {
        for (const peers of peerCounts) {
          const routes = targets.slice(0, peers).map((t, i) => ({ relay: multiaddr(relays[i % relayCount].process.line.multiaddrs[0]), peer: peerIdFromString(t.line.peerId) }))
          const pids = [...relays.map((r) => r.process.child.pid), ...targets.map((t) => t.child.pid)].filter((pid): pid is number => pid !== undefined)
          results.push({ relays: relayCount, peers, ...await measure(attachment, routes, client, join(dir, `r${relayCount}-p${peers}.tgz`), pids) })
          console.error('attachment bench: %j', results[results.length - 1])
        }
      } finally {
        for (const target of targets) await stopProcess(target, 'SIGTERM')
      }
    }
    const mbps = (relays: number, peers: number): number => Number(results.find((r) => r.relays === relays && r.peers === peers)?.mbPerSecond ?? 0)
    return {
      attachmentMiB: round(attachment.bytes.byteLength / 2 ** 20),
      rateLimitMbpsPerTarget: rate,
      loadAverage1m: round(loadavg()[0]),
      cpus: cpus().length,
      cases: results,
      speedup4PeersVs1: { oneRelay: round(mbps(1, 4) / mbps(1, 1)), twoRelays: round(mbps(2, 4) / mbps(1, 1)) },
      target: '4 peers >= 2.5x one peer'
    }
  } finally {
    await node.stop()
    for (const stop of stops.reverse()) await stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run(JSON.parse(process.argv[2] ?? '{}') as AttachmentBenchInit)
  console.log(JSON.stringify(result, null, 2))
  console.log('wrote %s', await writeBenchResult('attachment', result))
}
