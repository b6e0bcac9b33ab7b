/**
 * Proves `tau-relay start` as operators run it — `node dist/relay/main.js start` in a child process
 * configured only by TAU_RELAY_* variables: it logs one `relay started` JSON line when ready;
 * /healthz, /readyz and /policy answer; libp2p nodes dialling over TCP and over WebSockets fetch
 * over `/tau/relay/policy/1.0.0` the same signed bytes as GET /policy; SIGTERM stops it with exit
 * 0 within the shutdown bound; a restart on the same data dir keeps peer id, TAU address, policy
 * history and a balance credited through the admin API; after SIGKILL, `accounts check` is clean.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex } from 'multiformats/bytes'
import { encodeSettlementTx, signSettlementTx } from '../../accounting/settlement-tx.js'
import { decodePolicyDocument, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { fetchRelayPolicy } from '../../relay/services/policy-service.js'
import { testKey } from '../helpers/ledger.js'
import { createTestNode } from '../helpers/libp2p.js'
import { adminRequest, childEnv, runCommand, startProcess, stopProcess } from '../helpers/relay-process.js'
import type { RelayStartedLine, RunningProcess } from '../helpers/relay-process.js'

/** The child must exit within the relay's shutdown bound (8 s) plus the store close. */
const STOP_BOUND_MS = 10_000
const PAYER = testKey('start-payer')

type Started = RunningProcess<RelayStartedLine>

describe('tau-relay start (child process)', () => {
  let root: string
  let dataDir: string
  let env: Record<string, string>

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tau-relay-start-'))
    dataDir = join(root, 'data')
    env = childEnv({
      TAU_RELAY_DATA_DIR: dataDir,
      TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
      TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0'
    })
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  async function start (): Promise<Started> {
    return startProcess<Started['line']>(['start'], { cwd: root, env, msg: 'relay started' })
  }

  async function admin (http: string, method: string, path: string, body?: unknown): Promise<Response> {
    return adminRequest(dataDir, http, method, path, body)
  }

  it('starts, serves HTTP and the policy protocol over TCP and WS, and survives SIGTERM, restart and SIGKILL', async () => {
    const first = await start()
    const { http, multiaddrs, peerId } = first.line
    assert.match(http, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(multiaddrs.length, 2)
    assert.deepEqual(await (await fetch(`${http}/healthz`)).json(), { status: 'ok' })
    const ready = await fetch(`${http}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { ready: true, checks: { ledger: true, log: true, libp2p: true } })
    const policyBytes = new Uint8Array(await (await fetch(`${http}/policy`)).arrayBuffer())
    const policy = decodePolicyDocument(policyBytes)
    verifyPolicyDocument(policy)

    for (const transport of ['tcp', 'ws'] as const) {
      const node = await createTestNode({ transport })
      try {
        const addr = multiaddrs.find((a) => a.includes('/ws/') === (transport === 'ws'))
        assert.ok(addr !== undefined)
        const fetched = await fetchRelayPolicy(node, multiaddr(addr))
        assert.deepEqual(fetched.bytes, policyBytes, `policy over ${transport}`)
        assert.equal(node.getConnections()[0]?.remotePeer.toString(), peerId)
      } finally {
        await node.stop()
      }
    }

    const tx = signSettlementTx(PAYER.privateKey, { v: 1, from: PAYER.address, to: policy.relay.tau, amountNanoTau: 4_000_000_000n, nonce: 1, tsMs: Date.now() })
    const credited = await admin(http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(tx)) })
    assert.equal(credited.status, 201)
    const history = await (await admin(http, 'GET', '/admin/policy/history')).json()
    assert.equal((await fetch(`${http}/log/head`)).status, 404)

    const stopped = await stopProcess(first, 'SIGTERM')
    assert.equal(stopped.code, 0)
    assert.ok(stopped.ms < STOP_BOUND_MS, `stopped in ${stopped.ms} ms`)

    const second = await start()
    assert.equal(second.line.peerId, peerId)
    const again = decodePolicyDocument(new Uint8Array(await (await fetch(`${second.line.http}/policy`)).arrayBuffer()))
    assert.deepEqual(again.relay.tau, policy.relay.tau)
    assert.deepEqual(await (await admin(second.line.http, 'GET', '/admin/policy/history')).json(), history)
    const account = await (await admin(second.line.http, 'GET', `/admin/accounts/${formatTauAddress(PAYER.address)}`)).json() as { balanceNanoTau: string }
    assert.equal(account.balanceNanoTau, '4000000000')
    assert.equal((await fetch(`${second.line.http}/log/head`)).status, 404)
    const again2 = signSettlementTx(PAYER.privateKey, { v: 1, from: PAYER.address, to: policy.relay.tau, amountNanoTau: 1_000_000_000n, nonce: 2, tsMs: Date.now() })
    assert.equal((await admin(second.line.http, 'POST', '/admin/accounts/credit', { tx: toHex(encodeSettlementTx(again2)) })).status, 201)

    const killed = await stopProcess(second, 'SIGKILL')
    assert.equal(killed.code, null)
    const check = await runCommand(['accounts', 'check', '--data-dir', dataDir], { cwd: root, env, timeoutMs: 20_000 })
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /ledger ok/)

    // the acknowledged credit survived kill -9 (settlements are fsynced)
    const third = await start()
    assert.equal(third.line.peerId, peerId)
    const after = await (await admin(third.line.http, 'GET', `/admin/accounts/${formatTauAddress(PAYER.address)}`)).json() as { balanceNanoTau: string }
    assert.equal(after.balanceNanoTau, '5000000000')
    assert.equal((await stopProcess(third, 'SIGINT')).code, 0)
  })
})
