/**
 * Proves the circuit reservation fee and live circuit caps on a real relay (relay/relay.ts) with real
 * client nodes over loopback: a bound peer whose address cannot pay is refused `insufficient_funds`
 * with the ledger and log untouched; one that can pay is admitted, debited exactly the fee, and the
 * fee is a `reservation` record in the signed transfer log (charged iff logged, `check()` clean);
 * raising `maxReservations` in a new policy takes effect without a restart.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { accountsCheck } from '../../accounting/accounts-check.js'
import { signPeerBinding } from '../../protocol/peer-binding.js'
import { sendPeerBinding } from '../../relay/services/identity-service.js'
import { createTestClient, startTestRelay, tryReserve } from '../helpers/relay.js'
import { dumpKeySpace, testKey } from '../helpers/ledger.js'
import type { PrivateKey } from '@libp2p/interface'
import type { TestRelay } from '../helpers/relay.js'

const FEE = 1_000n
const OWNER = testKey('reservation fee owner')

async function bind (r: TestRelay, key: PrivateKey): Promise<void> {
  const now = Date.now()
  const binding = await signPeerBinding({ tauPrivateKey: OWNER.privateKey, libp2pPrivateKey: key, issuedAtMs: now - 1000, expiresAtMs: now + 3_600_000 })
  const sender = await createTestClient({ privateKey: key })
  try {
    assert.deepEqual(await sendPeerBinding(sender, multiaddr(r.addr()), binding), { ok: true })
  } finally {
    await sender.stop()
  }
}

describe('reservation fee', () => {
  const cleanups: Array<() => Promise<void>> = []
  after(async () => { for (const c of cleanups.reverse()) await c() })

  it('refuses a payer who cannot pay, untouched; charges and logs the fee of one who can', async () => {
    const r = await startTestRelay({ maxReservations: 10, maxReservationsPerIp: 8, reservationFee: FEE })
    cleanups.push(r.cleanup)
    const key = await generateKeyPair('Ed25519')
    await bind(r, key)
    const before = await dumpKeySpace(r.relay.db)
    const refused = await tryReserve(r.addr(), key)
    assert.match(String(refused.error?.message), /PERMISSION_DENIED/)
    assert.match(await r.relay.registry.metrics(), /taurelay_reservation_rejections_total\{reason="insufficient_funds"\} 1/)
    assert.deepEqual(await dumpKeySpace(r.relay.db), before, 'a refused fee writes nothing')

    await r.relay.ledger.creditSettlement(signSettlementTx(OWNER.privateKey, {
      v: 1, from: OWNER.address, to: r.relay.dataDir.tauAddress, amountNanoTau: 5_000n, nonce: 0, tsMs: Date.now()
    }))
    const headBefore = await r.relay.transferLog.head()
    const admitted = await tryReserve(r.addr(), key)
    assert.equal(admitted.error, undefined)
    cleanups.push(async () => { await admitted.client?.stop() })
    const account = await r.relay.ledger.account(OWNER.address)
    assert.equal(account?.balanceNanoTau, 5_000n - FEE)
    const head = await r.relay.transferLog.head()
    assert.ok(head !== undefined)
    assert.equal(head.head.count, (headBefore?.head.count ?? 0) + 1)
    const record = await r.relay.transferLog.recordAt(head.head.count - 1)
    assert.equal(record?.status, 'reservation')
    assert.equal(record?.charge, FEE)
    assert.equal(record?.selector, null)
    assert.equal(record?.blocks, 0)
    assert.deepEqual(record?.payer, OWNER.address)
    assert.deepEqual((await r.relay.ledger.check()).violations, [])
    const report = await accountsCheck(r.relay.db)
    assert.deepEqual(report.violations, [])
  })

  it('a policy raising maxReservations above the one in force at start applies without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tau-relay-cap-'))
    cleanups.push(async () => { await rm(dir, { recursive: true, force: true }) })
    // the relay must START under a policy of 1 slot: publish it, then restart on the same dir
    const first = await startTestRelay({ maxReservations: 1, maxReservationsPerIp: 8 }, dir)
    await first.cleanup()
    const r = await startTestRelay({}, dir)
    cleanups.push(r.cleanup)
    const one = await tryReserve(r.addr())
    assert.equal(one.error, undefined)
    cleanups.push(async () => { await one.client?.stop() })
    const refused = await tryReserve(r.addr())
    assert.match(String(refused.error?.message), /PERMISSION_DENIED/)
    await r.setCircuit({ maxReservations: 3 })
    const two = await tryReserve(r.addr())
    assert.equal(two.error, undefined, 'the raised cap admits a second peer without a restart')
    cleanups.push(async () => { await two.client?.stop() })
    assert.equal(r.relay.libp2p.services.circuitRelay.reservations.size, 2)
  })
})
