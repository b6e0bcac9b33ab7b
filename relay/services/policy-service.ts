/**
 * `/tau/relay/policy/1.0.0` (DESIGN.md §4.4): the relay writes its current signed policy document
 * as one unsigned-varint length-prefixed DAG-CBOR frame (the same bytes `GET /policy` serves) and
 * closes its side. `fetchRelayPolicy` is the client: it reads one frame of at most
 * MAX_POLICY_DOCUMENT_BYTES, decodes it strictly and verifies the operator's signature.
 */
import { lpStream } from '@libp2p/utils'
import { MAX_POLICY_DOCUMENT_BYTES, POLICY_PROTOCOL } from '../../protocol/constants.js'
import { decodePolicyDocument, policyDocumentCid, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { DEFAULT_POLICY_TIMEOUT_MS, POLICY_MAX_INBOUND_STREAMS, POLICY_MAX_OUTBOUND_STREAMS } from '../node-defaults.js'
import type { AbortOptions, ComponentLogger, Connection, Logger, PeerId, Startable, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { StoredPolicy } from '../http/sources.js'

/** The registrar methods the protocol services use. */
export interface ServiceRegistrar {
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

/** What the policy service uses. */
export interface PolicyServiceComponents {
  registrar: ServiceRegistrar
  logger: ComponentLogger
}

/** Policy service settings. */
export interface PolicyServiceInit {
  /** The current signed policy document's canonical bytes. */
  policy: () => Promise<Uint8Array>
  /** @default DEFAULT_POLICY_TIMEOUT_MS */
  timeoutMs?: number
  /** @default POLICY_MAX_INBOUND_STREAMS */
  maxInboundStreams?: number
  /** @default POLICY_MAX_OUTBOUND_STREAMS */
  maxOutboundStreams?: number
}

/** Answers every policy stream with the current document. */
export class PolicyService implements Startable {
  private readonly components: PolicyServiceComponents
  private readonly init: PolicyServiceInit
  private readonly log: Logger
  private started = false

  constructor (components: PolicyServiceComponents, init: PolicyServiceInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('tau-relay:policy-protocol')
  }

  readonly [Symbol.toStringTag] = 'tau-relay/policy-service'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(POLICY_PROTOCOL, this.onStream, {
      maxInboundStreams: this.init.maxInboundStreams ?? POLICY_MAX_INBOUND_STREAMS,
      maxOutboundStreams: this.init.maxOutboundStreams ?? POLICY_MAX_OUTBOUND_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.registrar.unhandle(POLICY_PROTOCOL)
  }

  private readonly onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(this.init.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS)
    try {
      const bytes = await this.init.policy()
      await lpStream(stream, { maxDataLength: MAX_POLICY_DOCUMENT_BYTES }).write(bytes, { signal })
      await stream.close({ signal })
    } catch (err: unknown) {
      this.log('sending the policy to %p failed - %e', connection.remotePeer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** The libp2p service factory of the policy protocol. */
export function policyService (init: PolicyServiceInit): (components: PolicyServiceComponents) => PolicyService {
  return (components) => new PolicyService(components, init)
}

/** The node methods `fetchRelayPolicy` uses. */
export interface ProtocolDialer {
  dialProtocol: (peer: PeerId | Multiaddr | Multiaddr[], protocols: string | string[], options?: AbortOptions) => Promise<Stream>
}

/** Fetches a relay's current policy over `/tau/relay/policy/1.0.0` and verifies its signature. */
export async function fetchRelayPolicy (node: ProtocolDialer, relay: PeerId | Multiaddr, options: AbortOptions = {}): Promise<StoredPolicy> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_POLICY_TIMEOUT_MS)
  const stream = await node.dialProtocol(relay, POLICY_PROTOCOL, { signal })
  try {
    // a plain Uint8Array, not the Buffer view the reader hands out: callers compare and keep it
    const bytes = Uint8Array.from((await lpStream(stream, { maxDataLength: MAX_POLICY_DOCUMENT_BYTES }).read({ signal })).subarray())
    await stream.close({ signal })
    const doc = decodePolicyDocument(bytes)
    verifyPolicyDocument(doc)
    return { doc, bytes, cid: policyDocumentCid(bytes) }
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
