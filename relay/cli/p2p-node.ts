/**
 * The libp2p node a CLI command dials with: TCP and WebSockets, noise, yamux, identify, no
 * listening address (a requester only dials out).
 */
import '../runtime-shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'

/** Starts a dial-only libp2p node. */
export async function createDialerNode (): Promise<Libp2p> {
  return createLibp2p({
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}
