/**
 * `/tau/identity/1.0.0` (DESIGN.md §3, §4.5): a peer sends its signed peer binding as one
 * length-prefixed frame; the relay checks that the binding names the connection's own peer
 * (a binding is a claim about the sender, never about someone else), verifies both signatures and
 * the validity window, stores it, and answers one ack frame `{ok}` or `{ok: false, reason}`.
 * `sendPeerBinding` is the client side.
 *
 * **Guarantees**: only a binding that verifies and names the sending peer is stored; at most
 * `maxStoredBindings` bindings are kept (further new peers get `busy`); a frame over
 * MAX_IDENTITY_MESSAGE_BYTES is never buffered; every stream ends within `timeoutMs`.
 */
import { lpStream } from '@libp2p/utils'
import { equals } from 'multiformats/bytes'
import { IDENTITY_PROTOCOL, MAX_IDENTITY_ACK_BYTES, MAX_IDENTITY_MESSAGE_BYTES } from '../../protocol/constants.js'
import { decodeIdentityAck, decodeIdentityMessage, encodeIdentityAck, encodeIdentityMessage } from '../../protocol/identity-message.js'
import { InvalidPeerBindingError, MalformedMessageError } from '../../protocol/errors.js'
import { verifyPeerBinding } from '../../protocol/peer-binding.js'
import { DEFAULT_IDENTITY_TIMEOUT_MS, IDENTITY_MAX_INBOUND_STREAMS, IDENTITY_MAX_OUTBOUND_STREAMS } from '../node-defaults.js'
import type { AbortOptions, ComponentLogger, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { IdentityAck } from '../../protocol/identity-message.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { ProtocolDialer, ServiceRegistrar } from './policy-service.js'

/** Where verified bindings go; `put` resolves false when the store is full. */
export interface IdentityBindingStore {
  put: (binding: PeerBinding) => Promise<boolean>
}

/** What the identity service uses. */
export interface IdentityServiceComponents {
  registrar: ServiceRegistrar
  logger: ComponentLogger
}

/** Identity service settings. */
export interface IdentityServiceInit {
  bindings: IdentityBindingStore
  /** @default Date.now */
  now?: () => number
  /** @default DEFAULT_IDENTITY_TIMEOUT_MS */
  timeoutMs?: number
  /** @default IDENTITY_MAX_INBOUND_STREAMS */
  maxInboundStreams?: number
  /** @default IDENTITY_MAX_OUTBOUND_STREAMS */
  maxOutboundStreams?: number
}

/** Receives and stores peer bindings. */
export class IdentityService implements Startable {
  private readonly components: IdentityServiceComponents
  private readonly init: IdentityServiceInit
  private readonly log: Logger
  private started = false

  constructor (components: IdentityServiceComponents, init: IdentityServiceInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('tau-relay:identity')
  }

  readonly [Symbol.toStringTag] = 'tau-relay/identity-service'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(IDENTITY_PROTOCOL, this.onStream, {
      maxInboundStreams: this.init.maxInboundStreams ?? IDENTITY_MAX_INBOUND_STREAMS,
      maxOutboundStreams: this.init.maxOutboundStreams ?? IDENTITY_MAX_OUTBOUND_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.registrar.unhandle(IDENTITY_PROTOCOL)
  }

  /** The ack for `bytes` received from `sender`; stores the binding when it is accepted. */
  async accept (bytes: Uint8Array, sender: PeerId): Promise<IdentityAck> {
    let binding: PeerBinding
    try {
      binding = decodeIdentityMessage(bytes)
    } catch (err: unknown) {
      if (err instanceof MalformedMessageError) return { ok: false, reason: 'malformed' }
      throw err
    }
    if (!equals(binding.peer, sender.toMultihash().bytes)) return { ok: false, reason: 'peer_mismatch' }
    try {
      await verifyPeerBinding(binding, { nowMs: (this.init.now ?? Date.now)() })
    } catch (err: unknown) {
      if (err instanceof InvalidPeerBindingError) return { ok: false, reason: err.reason }
      throw err
    }
    return await this.init.bindings.put(binding) ? { ok: true } : { ok: false, reason: 'busy' }
  }

  private readonly onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(this.init.timeoutMs ?? DEFAULT_IDENTITY_TIMEOUT_MS)
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_IDENTITY_MESSAGE_BYTES })
      const bytes = (await lp.read({ signal })).subarray()
      const ack = await this.accept(bytes, connection.remotePeer)
      this.log('binding from %p: %s', connection.remotePeer, ack.ok ? 'stored' : ack.reason)
      await lp.write(encodeIdentityAck(ack), { signal })
      await stream.close({ signal })
    } catch (err: unknown) {
      this.log('identity stream from %p failed - %e', connection.remotePeer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** The libp2p service factory of the identity protocol. */
export function identityService (init: IdentityServiceInit): (components: IdentityServiceComponents) => IdentityService {
  return (components) => new IdentityService(components, init)
}

/** Sends `binding` to a relay over `/tau/identity/1.0.0` and returns its ack. */
export async function sendPeerBinding (node: ProtocolDialer, relay: PeerId | Multiaddr, binding: PeerBinding, options: AbortOptions = {}): Promise<IdentityAck> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_IDENTITY_TIMEOUT_MS)
  const stream = await node.dialProtocol(relay, IDENTITY_PROTOCOL, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_IDENTITY_ACK_BYTES })
    await lp.write(encodeIdentityMessage(binding), { signal })
    const ack = decodeIdentityAck((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return ack
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
