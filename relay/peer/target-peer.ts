/**
 * A target peer (DESIGN.md §1): a libp2p node that serves blocks over graphsync v2, answers
 * future-state requests, and — given a relay — keeps a circuit-relay reservation on it (so a NATed
 * peer stays reachable over the connection the relay already has) and publishes its peer binding
 * over `/tau/identity/1.0.0`. Used by `tau-relay peer serve`, by apps and by tests.
 */
import '../runtime-shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import { FutureStateService, chainKey, futureStateService } from '../future-state/server.js'
import { graphsync } from '../graphsync/index.js'
import { makeBinding, publishBinding } from './identity-client.js'
import type { GraphsyncBlockStore, GraphsyncService } from '../graphsync/index.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { Identify } from '@libp2p/identify'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

/** Listen address of a target peer when none is given: TCP on loopback, any port. */
export const DEFAULT_TARGET_LISTEN = ['/ip4/127.0.0.1/tcp/0']

/** Settings of a target peer. */
export interface TargetPeerInit {
  /** Where the served blocks come from. */
  blockStore: GraphsyncBlockStore
  /** A relay to reserve a slot on and publish the binding to (with its `/p2p/` id). */
  relayAddr?: Multiaddr | string
  /** A chain id this peer takes part in, with the root it builds next. */
  chain?: Uint8Array
  stateRoot?: CID
  /** The TAU key the peer's binding is signed with; without it no binding is published. */
  tauPrivateKey?: Uint8Array
  /** The libp2p identity. @default a new Ed25519 key */
  privateKey?: PrivateKey
  /** @default DEFAULT_TARGET_LISTEN */
  listen?: string[]
  /** Upload limit of the graphsync responder, bytes/s (a phone-like uplink). @default unlimited */
  maxBytesPerSecond?: number
}

/** The libp2p services of a target peer. */
export type TargetPeerServices = { identify: Identify, graphsync: GraphsyncService, futureState: FutureStateService }

/** A running target peer. */
export interface TargetPeer {
  node: Libp2p<TargetPeerServices>
  peerId: PeerId
  /** The TAU address of the binding, when a TAU key was given. */
  tau?: Uint8Array
  binding?: PeerBinding
  /** Whether the relay accepted the binding (false when there is no relay or it refused). */
  bindingPublished: boolean
  /** Sets the root this peer builds next for `chain` (future-state answers change at once). */
  setStateRoot: (chain: Uint8Array, root: CID) => void
  /** The same as `setStateRoot` (its first name, kept for existing callers). */
  updateStateRoot: (chain: Uint8Array, root: CID) => void
  stop: () => Promise<void>
}

/** Starts a target peer. */
export async function startTargetPeer (init: TargetPeerInit): Promise<TargetPeer> {
  const privateKey = init.privateKey ?? await generateKeyPair('Ed25519')
  const roots = new Map<string, CID>()
  if (init.chain !== undefined && init.stateRoot !== undefined) roots.set(chainKey(init.chain), init.stateRoot)
  const relayAddr = init.relayAddr === undefined ? undefined : multiaddr(init.relayAddr.toString())
  let binding: PeerBinding | undefined
  const listen = [...(init.listen ?? DEFAULT_TARGET_LISTEN)]
  // listening on `<relay>/p2p-circuit` makes the circuit transport reserve a slot there
  if (relayAddr !== undefined) listen.push(relayAddr.encapsulate('/p2p-circuit').toString())
  const node = await createLibp2p({
    privateKey,
    addresses: { listen },
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      graphsync: graphsync({ blockStore: init.blockStore, maxBytesPerSecond: init.maxBytesPerSecond }),
      futureState: futureStateService({ roots, binding: () => binding })
    }
  })
  const setStateRoot = (chain: Uint8Array, root: CID): void => { roots.set(chainKey(chain), root) }
  const peer: TargetPeer = {
    node: node as unknown as Libp2p<TargetPeerServices>,
    peerId: node.peerId,
    bindingPublished: false,
    setStateRoot,
    updateStateRoot: setStateRoot,
    stop: async () => { await node.stop() }
  }
  if (init.tauPrivateKey !== undefined) {
    peer.tau = tauAddressFromPrivateKey(init.tauPrivateKey)
    binding = await makeBinding(init.tauPrivateKey, privateKey, Date.now())
    peer.binding = binding
    if (relayAddr !== undefined) {
      try {
        await publishBinding(node, relayAddr, binding)
        peer.bindingPublished = true
      } catch {
        // a relay that does not take bindings still relays; the caller reads bindingPublished
      }
    }
  }
  return peer
}
