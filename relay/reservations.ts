/**
 * Releases circuit relay reservations when their peer disconnects (DESIGN.md §4.5, §9.4).
 *
 * The stock server (@libp2p/circuit-relay-v2 4.2) keeps a reservation until its TTL even after the
 * peer is gone (js-libp2p #2833): with 128 slots of 1 h, a churn of phones fills the relay with
 * slots nobody can use. This service listens to `peer:disconnect` (the last connection to the peer
 * closed), deletes the peer's entry from the server's `reservations` map and clears the entry's
 * retimeable signal, whose timer would otherwise fire later for nothing. A peer that reconnects
 * reserves again, as clients do after a disconnect. Before libp2p stops, every remaining signal
 * is cleared the same way (the server's own `stop()` only empties the map).
 *
 * **Guarantees**: after `peer:disconnect` of P, P holds no reservation and its slot is free at
 * once; no reservation timer outlives the node.
 */
import type { CircuitRelayService, RelayReservation } from '@libp2p/circuit-relay-v2'
import type { ComponentLogger, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'

/** What the releaser uses: libp2p events and the circuit relay server (registered as `circuitRelay`). */
export interface ReservationReleaserComponents {
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
  circuitRelay: CircuitRelayService
}

/** Releaser settings. */
export interface ReservationReleaserInit {
  /** Called after a reservation was released (admission forgets pending state, metrics). */
  onRelease?: (peer: PeerId) => void
}

/** Frees a disconnected peer's reservation at once. */
export class ReservationReleaser implements Startable {
  private readonly components: ReservationReleaserComponents
  private readonly init: ReservationReleaserInit
  private readonly log: Logger
  private started = false

  constructor (components: ReservationReleaserComponents, init: ReservationReleaserInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('tau-relay:reservations')
  }

  readonly [Symbol.toStringTag] = 'tau-relay/reservation-releaser'

  start (): void {
    if (this.started) return
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.started = true
  }

  /** Clears every remaining reservation's timer before the server's stop empties its map. */
  beforeStop (): void {
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const [, reservation] of this.components.circuitRelay.reservations) clearSignal(reservation)
  }

  stop (): void {
    this.started = false
  }

  /** Reservations currently held. */
  get size (): number {
    return this.components.circuitRelay.reservations.size
  }

  /** Releases `peer`'s reservation; false if it held none. */
  release (peer: PeerId): boolean {
    const reservations = this.components.circuitRelay.reservations
    const reservation = reservations.get(peer)
    if (reservation === undefined) return false
    clearSignal(reservation)
    reservations.delete(peer)
    this.log('released the reservation of disconnected peer %p', peer)
    return true
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    // a throw in an event listener would kill the process (DESIGN.md §9.2)
    try {
      this.release(evt.detail)
      this.init.onRelease?.(evt.detail)
    } catch (err: unknown) {
      this.log.error('releasing the reservation of %p failed - %e', evt.detail, err)
    }
  }
}

function clearSignal (reservation: RelayReservation): void {
  reservation.signal.clear()
}

/** The libp2p service factory of the releaser. */
export function reservationReleaser (init: ReservationReleaserInit = {}): (components: ReservationReleaserComponents) => ReservationReleaser {
  return (components) => new ReservationReleaser(components, init)
}
