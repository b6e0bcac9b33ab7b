/**
 * Test helper: real libp2p 3 nodes on loopback (TCP and WebSockets, noise, yamux, identify, ping),
 * each stopped by the caller's `after` hook.
 */
import '../../relay/runtime-shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { ServiceMap } from '@libp2p/interface'
import type { Libp2p, ServiceFactoryMap } from 'libp2p'

export type TestNode = Libp2p<{ identify: Identify, ping: Ping }>

/** Options for `createTestNode`. */
export interface TestNodeOptions<S extends ServiceMap = Record<never, never>> {
  /** Which transport the node listens on and dials with. */
  transport: 'tcp' | 'ws'
  /** Extra services registered next to identify and ping (e.g. `{ graphsync: graphsync(init) }`). */
  services?: ServiceFactoryMap<S>
}

/** Starts a libp2p node listening on 127.0.0.1 with an ephemeral port. */
export async function createTestNode<S extends ServiceMap = Record<never, never>> (options: TestNodeOptions<S>): Promise<Libp2p<{ identify: Identify, ping: Ping } & S>> {
  const listen = options.transport === 'tcp' ? '/ip4/127.0.0.1/tcp/0' : '/ip4/127.0.0.1/tcp/0/ws'
  return createLibp2p({
    addresses: { listen: [listen] },
    transports: options.transport === 'tcp' ? [tcp()] : [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { ...options.services, identify: identify(), ping: ping() } as ServiceFactoryMap<{ identify: Identify, ping: Ping } & S>
  })
}
