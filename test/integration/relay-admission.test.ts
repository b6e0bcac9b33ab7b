/**
 * Proves circuit relay admission on a real relay (relay/relay.ts) with real client nodes over
 * loopback: the total cap, the per-IP cap and "binding required" refuse reservations with their
 * reason counted in metrics; a peer's reservation is released the moment it disconnects (not at
 * its 1 h TTL), its timer cleared, and the freed slot goes to the next peer; `/tau/identity/1.0.0`
 * stores a valid binding of the sending peer and refuses forged ones without storing them.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { peerBindingPayload, signPeerBinding } from '../../protocol/peer-binding.js'
import { TAU_DOMAIN } from '../../protocol/tau-domains.js'
import { signTau } from '../../protocol/tau-signature.js'
import { sendPeerBinding } from '../../relay/services/identity-service.js'
import { createTestClient, startTestRelay, tryReserve } from '../helpers/relay.js'
import { testKey } from '../helpers/ledger.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { TestRelay } from '../helpers/relay.js'

async function metric (registry: Registry, line: string): Promise<number> {
  const text = await registry.metrics()
  const found = text.split('\n').find((l) => l.startsWith(line + ' '))
  assert.ok(found !== undefined, `metric ${line} is exported`)
  return Number(found.slice(line.length + 1))
}

async function waitFor (condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function binding (key: PrivateKey, tauName = 'peer-owner'): Promise<PeerBinding> {
  const now = Date.now()
  return signPeerBinding({ tauPrivateKey: testKey(tauName).privateKey, libp2pPrivateKey: key, issuedAtMs: now - 1000, expiresAtMs: now + 3_600_000 })
}

describe('circuit relay admission', () => {
  let r: TestRelay
  before(async () => { r = await startTestRelay({ maxReservations: 1, maxReservationsPerIp: 8 }) })
  after(async () => { await r.cleanup() })

  it('refuses beyond the total cap, releases a reservation on disconnect at once, and hands the slot on', async () => {
    const reservations = r.relay.libp2p.services.circuitRelay.reservations
    const first = await tryReserve(r.addr())
    assert.equal(first.error, undefined)
    assert.equal(reservations.size, 1)
    const held = reservations.get(first.client!.peerId)
    assert.ok(held !== undefined)
    // the TTL is an hour away: only our release can free the slot within the test
    assert.ok(held.expiry.getTime() - Date.now() > 30 * 60_000)

    const second = await tryReserve(r.addr())
    assert.match(String(second.error?.message), /PERMISSION_DENIED/)
    assert.equal(await metric(r.relay.registry, 'taurelay_reservation_rejections_total{reason="too_many_reservations"}'), 1)
    assert.equal(await metric(r.relay.registry, 'taurelay_reservations'), 1)

    await first.client!.stop()
    await waitFor(() => reservations.size === 0)
    assert.equal(held.signal.aborted, false, 'released by disconnect, not expired')
    assert.equal(await metric(r.relay.registry, 'taurelay_reservations'), 0)

    const third = await tryReserve(r.addr())
    assert.equal(third.error, undefined)
    assert.equal(reservations.size, 1)
    await third.client!.stop()
    await waitFor(() => reservations.size === 0)
  })

  it('refuses a second reservation from the same IP when maxReservationsPerIp is 1', async () => {
    await r.setCircuit({ maxReservations: 10, maxReservationsPerIp: 1 })
    const first = await tryReserve(r.addr())
    assert.equal(first.error, undefined)
    const second = await tryReserve(r.addr())
    assert.match(String(second.error?.message), /PERMISSION_DENIED/)
    assert.equal(await metric(r.relay.registry, 'taurelay_reservation_rejections_total{reason="too_many_per_ip"}'), 1)
    await first.client!.stop()
    await waitFor(() => r.relay.libp2p.services.circuitRelay.reservations.size === 0)
    const third = await tryReserve(r.addr())
    assert.equal(third.error, undefined)
    await third.client!.stop()
    await waitFor(() => r.relay.libp2p.services.circuitRelay.reservations.size === 0)
  })

  it('requires a verified binding when the policy says so; the identity protocol provides it', async () => {
    await r.setCircuit({ maxReservations: 10, maxReservationsPerIp: 8, requireBinding: true })
    const key = await generateKeyPair('Ed25519')
    const refused = await tryReserve(r.addr(), key)
    assert.match(String(refused.error?.message), /PERMISSION_DENIED/)
    assert.equal(await metric(r.relay.registry, 'taurelay_reservation_rejections_total{reason="binding_required"}'), 1)

    const sender = await createTestClient({ privateKey: key })
    const ack = await sendPeerBinding(sender, multiaddr(r.addr()), await binding(key))
    await sender.stop()
    assert.deepEqual(ack, { ok: true })
    const stored = await r.relay.bindings.get(peerIdFromPrivateKey(key).toMultihash().bytes)
    assert.deepEqual(stored?.tau, testKey('peer-owner').address)

    const admitted = await tryReserve(r.addr(), key)
    assert.equal(admitted.error, undefined)
    await admitted.client!.stop()
    await r.setCircuit({ requireBinding: false })
  })

  it('counts open circuits and their bytes', async (t) => {
    const target = await tryReserve(r.addr())
    assert.equal(target.error, undefined)
    t.after(async () => { await target.client?.stop() })
    const circuitAddr = target.client!.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit'))
    assert.ok(circuitAddr !== undefined)
    const dialer = await createTestClient()
    t.after(async () => { await dialer.stop() })
    const conn = await dialer.dial(circuitAddr, { signal: AbortSignal.timeout(10_000) })
    assert.notEqual(conn.limits, undefined, 'a limited (relayed) connection')
    await waitFor(() => r.relay.libp2p.services.circuits.size === 1)
    assert.equal(await metric(r.relay.registry, 'taurelay_circuits'), 1)
    // the noise and yamux handshakes crossed the circuit
    assert.ok(await metric(r.relay.registry, 'taurelay_circuit_bytes_total') > 0)
    await conn.close()
    await waitFor(() => r.relay.libp2p.services.circuits.size === 0)
    assert.equal(await metric(r.relay.registry, 'taurelay_circuits'), 0)
  })
})

describe('/tau/identity/1.0.0', () => {
  let r: TestRelay
  before(async () => { r = await startTestRelay() })
  after(async () => { await r.cleanup() })

  it('refuses forged bindings and stores none of them', async (t) => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const client = await createTestClient({ privateKey: key })
    t.after(async () => { await client.stop() })
    const relay = multiaddr(r.addr())
    const valid = await binding(key)

    // a valid binding, but of another peer: nobody may bind someone else's node
    assert.deepEqual(await sendPeerBinding(client, relay, await binding(other)), { ok: false, reason: 'peer_mismatch' })
    // our node claims a victim's address, signing the TAU part with another key: refused
    const claim = { tau: testKey('victim').address, peer: valid.peer, issuedAtMs: valid.issuedAtMs, expiresAtMs: valid.expiresAtMs }
    const forged = { ...claim, peerSig: await key.sign(peerBindingPayload(claim)), tauSig: signTau(testKey('attacker').privateKey, TAU_DOMAIN.peerBinding, { ...claim }) }
    assert.deepEqual(await sendPeerBinding(client, relay, forged), { ok: false, reason: 'tau_signature' })
    const peerSig = valid.peerSig.slice()
    peerSig[0] ^= 1
    assert.deepEqual(await sendPeerBinding(client, relay, { ...valid, peerSig }), { ok: false, reason: 'peer_signature' })
    const now = Date.now()
    const expired = await signPeerBinding({ tauPrivateKey: testKey('peer-owner').privateKey, libp2pPrivateKey: key, issuedAtMs: now - 7200_000, expiresAtMs: now - 3600_000 })
    assert.deepEqual(await sendPeerBinding(client, relay, expired), { ok: false, reason: 'expired' })
    assert.equal(await r.relay.bindings.get(client.peerId.toMultihash().bytes), undefined)
    assert.equal(r.relay.bindings.size, 0)

    assert.deepEqual(await sendPeerBinding(client, relay, valid), { ok: true })
    assert.deepEqual(await r.relay.bindings.get(client.peerId.toMultihash().bytes), valid)
    assert.equal(r.relay.bindings.size, 1)
  })
})
