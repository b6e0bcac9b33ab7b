/**
 * `tau-relay demo` (`npm run demo`): a paid sync from scratch, on loopback, as a tree of real
 * `tau-relay` processes — a relay, a NATed target (reachable only through its reservation), a
 * directly reachable target and a requester. It publishes an attachment, fetches it through the
 * relay (progress bar on a TTY), unpacks and compares it, verifies the receipt offline, asks the
 * second target for its future state root, and shows the charge, the free quota left, the
 * seeding credit earned and the relay's /metrics and /policy URLs. Every child is stopped before it
 * exits, and the temporary directory is removed unless `--keep`.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument } from '../../protocol/policy-document.js'
import { formatTauAddress, tauAddressFromPublicKey } from '../../protocol/tau-address.js'
import { tauPublicKeyFromPrivateKey } from '../../protocol/tau-key.js'
import { generateTauPrivateKey, writeTauKeyFile } from '../keys.js'
import { runDemoCommand, startDemoProcess, stopDemoProcess } from './demo-processes.js'
import { EXIT } from './io.js'
import type { DemoProcess } from './demo-processes.js'

/** Usage of `demo`. */
export const DEMO_USAGE = 'tau-relay demo [--keep] [--json]   a paid sync on loopback, start to finish'

/** The demo relay's terms: 1 MiB free, then 0.001 TAU per MiB, so the 3 MiB attachment costs something. */
const DEMO_POLICY = { perBlockNanoTau: '1000', perMiBNanoTau: '1000000', freeQuotaBytes: 1024 * 1024 }
/** What the payer tops up: 1 TAU. */
const DEMO_CREDIT_NANO_TAU = 1_000_000_000n

interface RelayLine { peerId: string, multiaddrs: string[], http: string }
interface PeerLine { peerId: string, tau?: string }
interface FetchSummary { status: string, root: string, blocks: number, bytes: number, charge: string, logRoot: string, receiptVerified: boolean }

/** Runs `demo`. */
export async function demoCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { keep: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, strict: true })
  if (values.help) {
    console.log(DEMO_USAGE)
    return EXIT.ok
  }
  const say = (text: string): void => { if (!values.json) console.log(text) }
  const dir = await mkdtemp(join(tmpdir(), 'tau-relay-demo-'))
  const env = { ...process.env, TAU_RELAY_CONFIG: join(dir, 'relay.config.json') }
  const running: Array<DemoProcess<unknown>> = []
  try {
    say(`tau-relay demo: every process on 127.0.0.1, files in ${dir}`)
    await writeFile(env.TAU_RELAY_CONFIG, JSON.stringify({
      dataDir: './relay-data',
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      http: { host: '127.0.0.1', port: 0 },
      log: { level: 'info', format: 'json' },
      initialPolicy: DEMO_POLICY
    }))
    const relay = await startDemoProcess<RelayLine>(['start'], { cwd: dir, env, msg: 'relay started' })
    running.push(relay)
    const relayAddr = relay.line.multiaddrs[0]
    say(`1. relay ${relay.line.peerId} on ${relayAddr}, HTTP ${relay.line.http}`)

    const source = join(dir, 'attachment')
    await makeDemoFolder(source)
    const published = JSON.parse(await runDemoCommand(['peer', 'publish', 'attachment', '--out', 'attachment.car', '--json'], { cwd: dir, env })) as { attachmentRoot: string, pieces: number, bytes: number }
    say(`2. published ./attachment as a TGZ of ${mib(published.bytes)} in ${published.pieces} pieces: attachmentRoot ${published.attachmentRoot}`)

    const keys = { payer: join(dir, 'payer.key'), a: join(dir, 'target-a.key'), b: join(dir, 'target-b.key') }
    const payer = generateTauPrivateKey()
    await writeTauKeyFile(keys.payer, payer)
    await writeTauKeyFile(keys.a, generateTauPrivateKey())
    await writeTauKeyFile(keys.b, generateTauPrivateKey())
    const targetA = await startDemoProcess<PeerLine>(['peer', 'serve', '--car', 'attachment.car', '--relay', relayAddr, '--relay-only', '--key', keys.a], { cwd: dir, env, msg: 'peer ready' })
    running.push(targetA)
    const targetB = await startDemoProcess<PeerLine>(['peer', 'serve', '--car', 'attachment.car', '--relay', relayAddr, '--key', keys.b,
      '--chain', '00', '--state-root', published.attachmentRoot, '--listen', '/ip4/127.0.0.1/tcp/0'], { cwd: dir, env, msg: 'peer ready' })
    running.push(targetB)
    say(`3. target A ${targetA.line.peerId} (NATed: no listener, only its reservation on the relay), seeds for ${targetA.line.tau ?? '-'}`)
    say(`   target B ${targetB.line.peerId} (direct), building chain 00 with state root ${published.attachmentRoot}`)

    const admin = await adminClient(dir, relay.line.http)
    const policy = decodePolicyDocument(new Uint8Array(await (await fetch(`${relay.line.http}/policy`)).arrayBuffer()))
    const payerAddress = tauAddressFromPublicKey(tauPublicKeyFromPrivateKey(payer))
    const tx = signSettlementTx(payer, { v: 1, from: payerAddress, to: policy.relay.tau, amountNanoTau: DEMO_CREDIT_NANO_TAU, nonce: 1, tsMs: Date.now() })
    await admin('POST', '/admin/accounts/credit', { tx: Buffer.from(encodeSettlementTx(tx)).toString('hex') })
    say(`4. payer ${formatTauAddress(payerAddress)} topped up with ${tau(DEMO_CREDIT_NANO_TAU)} (a signed settlement the operator imported)`)

    say('5. fetching the attachment from target A through the relay:')
    const first = JSON.parse(await runDemoCommand(['fetch', '--relay', relayAddr, '--peer', targetA.line.peerId, '--root', published.attachmentRoot,
      '--key', keys.payer, '--out', 'fetched.car', '--receipt', 'fetched.receipt', '--json'], { cwd: dir, env })) as FetchSummary
    say(`   ${first.status}: ${first.blocks} blocks, ${mib(first.bytes)}, charged ${tau(BigInt(first.charge))}, receipt verified: ${String(first.receiptVerified)}`)

    await runDemoCommand(['attachment', 'unpack', '--car', 'fetched.car', '--root', published.attachmentRoot, '--pieces', String(published.pieces), '--out', 'unpacked', '--json'], { cwd: dir, env })
    const identical = await sameTree(source, join(dir, 'unpacked', 'attachment'))
    await runDemoCommand(['log', 'verify', '--receipt', 'fetched.receipt', '--json'], { cwd: dir, env })
    say(`6. unpacked into ./unpacked: identical to the source: ${String(identical)}; \`tau-relay log verify\` accepts the receipt offline`)

    const second = JSON.parse(await runDemoCommand(['fetch', '--relay', relayAddr, '--peer', targetB.line.peerId, '--chain', '00',
      '--key', keys.payer, '--out', 'future.car', '--json'], { cwd: dir, env })) as FetchSummary
    say(`7. no root given: target B's future state root is ${second.root} (${second.status}, charged ${tau(BigInt(second.charge))})`)

    const account = await admin('GET', `/admin/accounts/${formatTauAddress(payerAddress)}`) as { balanceNanoTau: string, freeQuotaAvailableBytes: number, chargedNanoTau: string }
    const seeder = targetA.line.tau === undefined ? undefined : await admin('GET', `/admin/accounts/${targetA.line.tau}`) as { seedingCreditNanoTau: string }
    say(`8. payer: balance ${tau(BigInt(account.balanceNanoTau))}, free quota left ${mib(account.freeQuotaAvailableBytes)}, charged ${tau(BigInt(account.chargedNanoTau))} in all`)
    if (seeder !== undefined) say(`   target A earned ${tau(BigInt(seeder.seedingCreditNanoTau))} of seeding credit for serving`)
    say(`   metrics: ${relay.line.http}/metrics   policy: ${relay.line.http}/policy`)
    if (values.json) {
      console.log(JSON.stringify({ dir, relay: relay.line, attachment: published, fetch: first, future: second, identical, account, seeder, metrics: `${relay.line.http}/metrics`, policy: `${relay.line.http}/policy` }))
    }
    return identical && first.receiptVerified && second.root === published.attachmentRoot ? EXIT.ok : EXIT.failure
  } finally {
    for (const child of running.reverse()) await stopDemoProcess(child)
    say('stopped the relay and both targets')
    if (!values.keep) await rm(dir, { recursive: true, force: true })
  }
}

/** A small folder shaped like a TAU attachment: a "photo", a "video" and a note. */
async function makeDemoFolder (path: string): Promise<void> {
  await mkdir(join(path, 'photos'), { recursive: true })
  await writeFile(join(path, 'photos', 'sunset.jpg'), randomBytes(1536 * 1024))
  await writeFile(join(path, 'clip.mp4'), randomBytes(1280 * 1024))
  await writeFile(join(path, 'notes.txt'), 'Shared through a TAU relay: every piece verified, every byte paid for.\n')
}

async function sameTree (a: string, b: string): Promise<boolean> {
  const files = async (root: string): Promise<string[]> => (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name))).sort()
  const [left, right] = await Promise.all([files(a), files(b)])
  if (left.join('\n') !== right.join('\n')) return false
  for (const file of left) {
    if (!(await readFile(join(a, file))).equals(await readFile(join(b, file)))) return false
  }
  return true
}

async function adminClient (dir: string, http: string): Promise<(method: string, path: string, body?: unknown) => Promise<unknown>> {
  const token = (await readFile(join(dir, 'relay-data', 'admin.token'), 'utf8')).trim()
  return async (method, path, body) => {
    const response = await fetch(`${http}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`)
    return response.json()
  }
}

function mib (bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`
}

function tau (nanoTau: bigint): string {
  return `${nanoTau} nanoTAU (${(Number(nanoTau) / 1e9).toFixed(6)} TAU)`
}
