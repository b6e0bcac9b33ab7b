/**
 * Reaching the target of a sync (DESIGN.md §4.1 steps 3–4): the existing connection if there is
 * one (a NATed target holds one through its circuit-relay reservation), else a dial of the
 * request's `addrs` (each given the target's `/p2p/` suffix), else of what the peer store knows;
 * then, for a request without a root, the target's future root of the chain (§4.3).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { requestFutureState } from '../future-state/client.js'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** The connection manager methods used to reach targets. */
export interface TargetConnectionManager {
  getConnections: (peer?: PeerId) => Connection[]
  openConnection: (peer: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions) => Promise<Connection>
  openStream: (peer: PeerId, protocol: string, options?: AbortOptions) => Promise<Stream>
}

/** The target's dial addresses from a request's multiaddr bytes; unparsable ones are skipped. */
export function targetAddrs (target: PeerId, addrs: Uint8Array[] = []): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addrs) {
    try {
      const addr = multiaddr(bytes)
      const named = addr.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (named !== undefined && named !== target.toString()) continue
      out.push(named === undefined ? addr.encapsulate(`/p2p/${target.toString()}`) : addr)
    } catch {}
  }
  return out
}

/** Makes sure the relay has a connection to `target`; throws the dial's error when it cannot. */
export async function connectTarget (cm: TargetConnectionManager, target: PeerId, addrs: Uint8Array[] | undefined, options: AbortOptions): Promise<Connection> {
  const open = cm.getConnections(target).find((c) => c.status === 'open')
  if (open !== undefined) return open
  const dialable = targetAddrs(target, addrs)
  return cm.openConnection(dialable.length > 0 ? dialable : target, options)
}

/** The root to sync: the request's, or the target's future root of `chain`. */
export async function resolveRoot (cm: TargetConnectionManager, target: PeerId, root: CID | null, chain: Uint8Array | undefined, options: { signal: AbortSignal }): Promise<CID> {
  if (root !== null) return root
  // the request schema makes chain required when root is null
  const response = await requestFutureState(cm, target, chain ?? new Uint8Array(0), options)
  return response.root
}
