/**
 * Proves the `tau-relay` CLI as operators run it — `node dist/relay/main.js …` in child
 * processes: `init` makes a data dir with keys, a verified signed policy and a loadable config
 * (twice is harmless); `keys new` writes a 0600 key once; `accounts credit|list|show|statement|
 * check` work on a stopped relay's data dir; a locked ledger exits 3 with "the relay is running";
 * the same commands, `policy publish` and `log head|proof` go through a running relay with `--admin`; wrong tokens, unreachable relays and
 * bad command lines get their exit codes.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { createPolicyDocument, decodePolicyDocument, policyDocumentCid, verifyPolicyBindings, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { policyToJson } from '../../protocol/policy-json.js'
import { formatTauAddress, parseTauAddress } from '../../protocol/tau-address.js'
import { loadConfig } from '../../relay/config.js'
import { openLedger } from '../../relay/data-dir.js'
import { readTauKeyFile } from '../../relay/keys.js'
import { startTestHttpServer } from '../helpers/http-server.js'
import { OPERATOR, settlement, testKey } from '../helpers/ledger.js'

const MAIN = fileURLToPath(new URL('../../relay/main.js', import.meta.url))

interface Run { code: number, stdout: string, stderr: string }

describe('tau-relay CLI', () => {
  let root: string
  let dataDir: string
  let env: Record<string, string>
  let init: Record<string, unknown>

  async function cli (...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [MAIN, ...args], { cwd: root, env, timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
        resolve({ code, stdout, stderr })
      })
    })
  }

  async function json (...args: string[]): Promise<any> {
    const run = await cli(...args, '--json')
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tau-cli-'))
    dataDir = join(root, 'data')
    // no TAU_RELAY_* from the developer's shell may leak into the children
    env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith('TAU_RELAY_') && v !== undefined)) as Record<string, string>
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('init makes a data dir with keys, a verified signed policy and a loadable config; twice changes nothing', async () => {
    init = await json('init', '--data-dir', dataDir)
    assert.equal(init.dataDir, dataDir)
    assert.equal((init.generated as string[]).length, 5)
    const bytes = new Uint8Array(await readFile(join(dataDir, 'policy.cbor')))
    const policy = decodePolicyDocument(bytes)
    verifyPolicyDocument(policy)
    await verifyPolicyBindings(policy, Date.now())
    assert.equal(policy.relay.peers.length, 1)
    assert.equal(policyDocumentCid(bytes).toString(), init.policy)
    assert.deepEqual(policy.relay.tau, parseTauAddress(init.tauAddress as string))
    const config = loadConfig({ file: join(dataDir, 'relay.config.json'), env: {}, cwd: '/' })
    assert.equal(config.dataDir, dataDir)
    const again = await json('init', '--data-dir', dataDir)
    assert.deepEqual(again.generated, [])
    assert.equal(again.tauAddress, init.tauAddress)
    const shown = await json('policy', 'show', '--data-dir', dataDir)
    assert.equal(shown.cid, init.policy)
  })

  it('keys new writes a 0600 key file once and prints its address', async () => {
    const file = join(root, 'payer.key')
    const made = await json('keys', 'new', '--out', file)
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    const again = await cli('keys', 'new', '--out', file)
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists/)
    assert.match(made.address as string, /^T/)
  })

  it('credits, lists, shows, states and checks accounts in a stopped relay data dir', async () => {
    const payerKey = await readTauKeyFile(join(root, 'payer.key'))
    const { address } = JSON.parse(await readFile(join(root, 'payer.key'), 'utf8')) as { address: string }
    const tx = signSettlementTx(payerKey, { v: 1, from: parseTauAddress(address), to: parseTauAddress(init.tauAddress as string), amountNanoTau: 3_000_000_000n, nonce: 1, tsMs: Date.now() })
    const txFile = join(root, 'tx.hex')
    await writeFile(txFile, toHex(encodeSettlementTx(tx)) + '\n')
    const credited = await json('accounts', 'credit', '--tx', txFile, '--data-dir', dataDir)
    assert.equal(credited.amountNanoTau, '3000000000')
    assert.equal(credited.duplicate, false)
    const list = await json('accounts', 'list', '--data-dir', dataDir)
    assert.deepEqual(list.map((a: { address: string }) => a.address), [address])
    const shown = await json('accounts', 'show', address, '--data-dir', dataDir)
    assert.equal(shown.balanceNanoTau, '3000000000')
    const statement = await json('accounts', 'statement', address, '--data-dir', dataDir)
    assert.equal(statement.relay, init.tauAddress)
    assert.equal(statement.creditedNanoTau, '3000000000')
    const check = await cli('accounts', 'check', '--data-dir', dataDir)
    assert.equal(check.code, 0)
    assert.match(check.stdout, /ledger ok/)
  })

  it('exits 3 with a clear message when the relay holds the ledger', async () => {
    const ledger = await openLedger(join(dataDir, 'ledger'))
    try {
      const run = await cli('accounts', 'list', '--data-dir', dataDir)
      assert.equal(run.code, 3)
      assert.match(run.stderr, /the relay is running; use --admin URL/)
    } finally {
      await ledger.stop()
    }
  })

  it('talks to a running relay through the admin API', async () => {
    const t = await startTestHttpServer()
    try {
      await t.ledger.ledger.creditSettlement(settlement(testKey('payer'), 2_000_000_000n))
      const tokenFile = join(root, 'admin.token')
      await writeFile(tokenFile, t.token, { mode: 0o600 })
      const list = await json('accounts', 'list', '--admin', t.url, '--token-file', tokenFile)
      assert.equal(list.length, 1)
      assert.equal(list[0].balanceNanoTau, '2000000000')
      const policy = await json('policy', 'show', '--admin', t.url)
      assert.equal(policy.cid, (await t.policy.current()).cid.toString())
      const statement = await json('accounts', 'statement', list[0].address, '--admin', t.url, '--token-file', tokenFile)
      assert.equal(statement.relay, formatTauAddress(OPERATOR.address))

      const policyFile = join(root, 'policy.json')
      await writeFile(policyFile, JSON.stringify(policyToJson(createPolicyDocument({ relay: { tau: OPERATOR.address }, issuedAtMs: Date.now(), pricing: { perMiB: 42n } }))))
      const published = await json('policy', 'publish', '--file', policyFile, '--admin', t.url, '--token-file', tokenFile)
      assert.equal(published.cid, (await t.policy.current()).cid.toString())
      assert.equal((await t.policy.current()).doc.pricing.perMiB, 42n)

      const head = t.log.commit(OPERATOR.privateKey, 1)
      const shownHead = await json('log', 'head', '--admin', t.url)
      assert.equal(shownHead.cid, head.cid.toString())
      assert.equal(shownHead.head.count, 1)
      const carFile = join(root, 'proof.car')
      await json('log', 'proof', '0', '--out', carFile, '--admin', t.url)
      assert.deepEqual(new Uint8Array(await readFile(carFile)), t.log.proofs.get(0))

      const wrong = join(root, 'wrong.token')
      await writeFile(wrong, 'x'.repeat(43), { mode: 0o600 })
      const refused = await cli('accounts', 'list', '--admin', t.url, '--token-file', wrong)
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /401 unauthorized/)
    } finally {
      await t.cleanup()
    }
    const down = await cli('accounts', 'list', '--admin', 'http://127.0.0.1:9', '--token-file', join(root, 'admin.token'))
    assert.equal(down.code, 3)
    assert.match(down.stderr, /cannot reach the relay/)
  })

  it('exits 2 on a wrong command line', async () => {
    for (const args of [['accounts'], ['accounts', 'show', '--data-dir', dataDir], ['accounts', 'list', '--bogus'], ['frobnicate'], ['keys', 'new'], ['accounts', 'fly']]) {
      const run = await cli(...args)
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    }
  })
})
