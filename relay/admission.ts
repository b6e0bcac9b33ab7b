/**
 * Circuit relay admission (DESIGN.md §4.5): the connection gater's `denyInboundRelayReservation`
 * applies the current policy's `circuit` section to every RESERVE request, in this order:
 * per-peer limit → total cap → per-IP cap → binding → fee. A refresh (the peer already holds a
 * reservation) skips the caps it already counts in, but is checked for binding and fee again.
 *
 * The circuit relay server keys reservations by peer, so a peer holds at most one whatever
 * `maxReservationsPerPeer` says (0 still refuses every peer). The IP is the one of the peer's direct
 * connection; behind a WebSocket proxy every peer shares the proxy's IP (DESIGN.md §9.5), so an
 * operator behind a proxy raises `maxReservationsPerIp`. Admissions not yet visible in the server's
 * store count as pending for DEFAULT_PENDING_ADMISSION_MS, so concurrent requests cannot overrun
 * a cap while the gater awaits the ledger.
 *
 * Every refusal is logged once with its reason and counted (`reservation_rejections_total`).
 */
import { verifyPeerBinding } from '../protocol/peer-binding.js'
import { DEFAULT_PENDING_ADMISSION_MS } from './node-defaults.js'
import { logRejection } from './logger.js'
import { ReservationRefusedError } from './relay-errors.js'
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerBinding } from '../protocol/peer-binding-codec.js'
import type { PolicyDocument } from '../protocol/policy-schema.js'
import type { Logger } from './logger.js'
import type { CircuitTracer } from './metrics.js'

/** What admission reads of the running node (bound after the node exists). */
export interface AdmissionNode {
  getConnections: (peer?: PeerId) => Connection[]
  /** The circuit relay server's reservations (a PeerMap keyed by the reserving peer). */
  reservations: () => { has: (peer: PeerId) => boolean, size: number }
  /** Raises the connection limit so `maxReservations` reservations fit (never lowers it). */
  ensureConnectionCapacity?: (maxReservations: number) => void
}

/** Charges a reservation fee (relay/reservation-fee.ts); throws ExceedsBalanceError when the payer cannot pay. */
export interface ReservationCharger {
  charge: (args: { payer: Uint8Array, peer: Uint8Array, feeNanoTau: bigint, nowMs: number }) => Promise<void>
}

/** What admission uses. */
export interface AdmissionComponents {
  /** The policy in force now. */
  policy: () => Promise<PolicyDocument>
  /** The stored binding of a peer (peer id bytes), if any. */
  binding: (peer: Uint8Array) => Promise<PeerBinding | undefined>
  /** Charges `circuit.reservationFee`; without one a policy with a fee refuses every reservation. */
  charger?: ReservationCharger
  tracer?: CircuitTracer
  logger: Logger
  /** @default Date.now */
  now?: () => number
}

/** Admission settings. */
export interface AdmissionInit {
  /** @default DEFAULT_PENDING_ADMISSION_MS */
  pendingAdmissionMs?: number
}

/** IP address (text) of a multiaddr, or 'unknown' when it names none (one shared bucket). */
export function multiaddrIp (addr: Multiaddr | undefined): string {
  for (const c of addr?.getComponents() ?? []) {
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined) return c.value
  }
  return 'unknown'
}

/** The relay's connection gater for reservations and circuits. */
export class RelayAdmission {
  private readonly components: AdmissionComponents
  private readonly pendingAdmissionMs: number
  private readonly now: () => number
  private node: AdmissionNode | undefined
  /** Admitted reservations not yet in the server's store, by peer id text. */
  private readonly pending = new Map<string, { peer: PeerId, ip: string, sinceMs: number }>()
  /**
   * Admitted peers by IP, so the per-IP cap costs O(peers of that IP), not O(all reservations)
   * (10,000 reservations made a scan per RESERVE dominate admission). Entries whose reservation is
   * gone (released, expired) are dropped when their IP is next counted or their peer disconnects.
   */
  private readonly byIp = new Map<string, Map<string, PeerId>>()
  private readonly ipOf = new Map<string, string>()

  constructor (components: AdmissionComponents, init: AdmissionInit = {}) {
    this.components = components
    this.pendingAdmissionMs = init.pendingAdmissionMs ?? DEFAULT_PENDING_ADMISSION_MS
    this.now = components.now ?? Date.now
  }

  /** Binds the running node; until then every reservation is refused. */
  attach (node: AdmissionNode): void {
    this.node = node
  }

  /** Forgets a peer's admission (it disconnected, so its reservation is gone). */
  forget (peer: PeerId): void {
    const key = peer.toString()
    this.pending.delete(key)
    this.unindex(key)
  }

  /** The gater methods libp2p calls. */
  gater (): ConnectionGater {
    return {
      denyInboundRelayReservation: async (peer) => !(await this.admit(peer)),
      // circuits are counted on their STOP streams (relay/circuits.ts): the gater sees no close
      denyOutboundRelayedConnection: () => false
    }
  }

  /** Whether `peer` may reserve (or refresh) a slot now; counts and logs the outcome. */
  async admit (peer: PeerId): Promise<boolean> {
    const tracer = this.components.tracer
    try {
      await this.check(peer)
      tracer?.reservationRequested('accepted')
      return true
    } catch (err: unknown) {
      const reason = err instanceof ReservationRefusedError ? err.reason : 'internal_error'
      tracer?.reservationRequested('rejected')
      tracer?.reservationRejected(reason)
      const fields: Record<string, unknown> = { peer: peer.toString(), what: 'reservation' }
      if (!(err instanceof ReservationRefusedError)) fields.err = err
      logRejection(this.components.logger, reason, fields, reason === 'internal_error' ? 'error' : 'info')
      return false
    }
  }

  private async check (peer: PeerId): Promise<void> {
    const node = this.node
    if (node === undefined) throw new ReservationRefusedError('internal_error')
    const circuit = (await this.components.policy()).circuit
    const nowMs = this.now()
    const key = peer.toString()
    const reservations = node.reservations()
    this.prunePending(reservations, nowMs)
    const refresh = reservations.has(peer)
    if (circuit.maxReservationsPerPeer < 1) throw new ReservationRefusedError('too_many_per_peer')
    const ip = multiaddrIp(directConnection(node, peer)?.remoteAddr)
    if (!refresh) {
      const others = this.pending.size - (this.pending.has(key) ? 1 : 0)
      if (reservations.size + others >= circuit.maxReservations) throw new ReservationRefusedError('too_many_reservations')
      if (this.countIp(reservations, ip, key) >= circuit.maxReservationsPerIp) throw new ReservationRefusedError('too_many_per_ip')
      // a policy that raised the cap since start needs the connections to hold it (no restart)
      node.ensureConnectionCapacity?.(circuit.maxReservations)
    }
    const fee = circuit.reservationFee
    if (circuit.requireBinding || fee > 0n) {
      const binding = await this.components.binding(peer.toMultihash().bytes)
      if (binding === undefined) throw new ReservationRefusedError('binding_required')
      try {
        await verifyPeerBinding(binding, { nowMs })
      } catch {
        throw new ReservationRefusedError('bad_binding')
      }
      if (fee > 0n) await this.charge(binding, fee, nowMs)
    }
    if (!refresh) {
      this.pending.set(key, { peer, ip, sinceMs: nowMs })
      this.index(key, peer, ip)
    }
  }

  private async charge (binding: PeerBinding, feeNanoTau: bigint, nowMs: number): Promise<void> {
    const charger = this.components.charger
    // a fee the relay cannot collect must not become a free service
    if (charger === undefined) throw new ReservationRefusedError('internal_error')
    try {
      await charger.charge({ payer: binding.tau, peer: binding.peer, feeNanoTau, nowMs })
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'ExceedsBalanceError') throw new ReservationRefusedError('insufficient_funds')
      throw err
    }
  }

  /** Reservations and pending admissions of `ip`, other than `except`'s; prunes the gone ones. */
  private countIp (reservations: { has: (peer: PeerId) => boolean }, ip: string, except: string): number {
    const peers = this.byIp.get(ip)
    if (peers === undefined) return 0
    let count = 0
    for (const [key, peer] of peers) {
      if (reservations.has(peer) || this.pending.has(key)) {
        if (key !== except) count++
      } else {
        this.unindex(key)
      }
    }
    return count
  }

  private index (key: string, peer: PeerId, ip: string): void {
    this.unindex(key)
    let peers = this.byIp.get(ip)
    if (peers === undefined) {
      peers = new Map()
      this.byIp.set(ip, peers)
    }
    peers.set(key, peer)
    this.ipOf.set(key, ip)
  }

  private unindex (key: string): void {
    const ip = this.ipOf.get(key)
    if (ip === undefined) return
    this.ipOf.delete(key)
    const peers = this.byIp.get(ip)
    peers?.delete(key)
    if (peers?.size === 0) this.byIp.delete(ip)
  }

  private prunePending (reservations: { has: (peer: PeerId) => boolean }, nowMs: number): void {
    for (const [key, entry] of this.pending) {
      if (reservations.has(entry.peer) || nowMs - entry.sinceMs >= this.pendingAdmissionMs) this.pending.delete(key)
    }
  }
}

/** The peer's first direct (not relayed) connection. */
function directConnection (node: AdmissionNode, peer: PeerId): Connection | undefined {
  return node.getConnections(peer).find((c) => c.limits === undefined && !c.remoteAddr.toString().includes('/p2p-circuit'))
}
