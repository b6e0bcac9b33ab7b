/**
 * The target side of `/tau/future-state/1.0.0` (DESIGN.md §4.3): answers a relay's request with
 * the ContractReceiptStateRoot this peer is building next for a chain, or "not active". One
 * request and one answer per stream, each length-prefixed; a bad request aborts the stream.
 */
import { lpStream } from '@libp2p/utils'
import { MAX_FUTURE_STATE_REQUEST_BYTES, FUTURE_STATE_PROTOCOL } from '../../protocol/constants.js'
import { decodeFutureStateRequest, encodeFutureStateResponse } from '../../protocol/future-state.js'
import { DEFAULT_FUTURE_STATE_TIMEOUT_MS } from '../relay-sync/constants.js'
import type { FutureStateResponse } from '../../protocol/future-state.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { ComponentLogger, Logger, Startable, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Where the roots come from: a map by chain id hex, or a function of the chain id bytes. */
export type FutureStateRoots = Map<string, CID> | ((chain: Uint8Array) => CID | undefined | Promise<CID | undefined>)

/** Settings of the server. */
export interface FutureStateServiceInit {
  /** The root per chain (lowercase hex of the chain id bytes). */
  roots: FutureStateRoots
  /** The binding sent with every answer, if any. */
  binding?: () => PeerBinding | undefined
  /** @default Date.now */
  now?: () => number
  /** Time to read a request and write the answer. @default DEFAULT_FUTURE_STATE_TIMEOUT_MS */
  timeoutMs?: number
}

/** What the server uses. */
export interface FutureStateServiceComponents {
  registrar: { handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>, unhandle: (protocol: string) => Promise<void> }
  logger: ComponentLogger
}

/** Hex of a chain id, the key of a roots map. */
export function chainKey (chain: Uint8Array): string {
  return Buffer.from(chain).toString('hex')
}

/** The future-state responder of a target peer. */
export class FutureStateService implements Startable {
  private readonly components: FutureStateServiceComponents
  private readonly init: FutureStateServiceInit
  private readonly log: Logger
  private started = false

  constructor (components: FutureStateServiceComponents, init: FutureStateServiceInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('tau-relay:future-state')
  }

  readonly [Symbol.toStringTag] = 'tau-relay/future-state'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(FUTURE_STATE_PROTOCOL, (stream) => { void this.answer(stream) }, { maxInboundStreams: 8 })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.registrar.unhandle(FUTURE_STATE_PROTOCOL)
  }

  /** Sets (or with undefined, removes) the root of `chain` when roots are a map. */
  setRoot (chain: Uint8Array, root: CID | undefined): void {
    if (!(this.init.roots instanceof Map)) throw new TypeError('roots are a function: update them there')
    if (root === undefined) this.init.roots.delete(chainKey(chain))
    else this.init.roots.set(chainKey(chain), root)
  }

  private async rootOf (chain: Uint8Array): Promise<CID | undefined> {
    const roots = this.init.roots
    if (roots instanceof Map) return roots.get(chainKey(chain))
    return roots(chain)
  }

  private async answer (stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.init.timeoutMs ?? DEFAULT_FUTURE_STATE_TIMEOUT_MS)
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FUTURE_STATE_REQUEST_BYTES })
      const request = decodeFutureStateRequest((await lp.read({ signal })).subarray())
      const root = await this.rootOf(request.chain)
      let response: FutureStateResponse
      if (root === undefined) {
        response = { v: 1, chain: request.chain, error: 'not_active' }
      } else {
        response = { v: 1, chain: request.chain, root, tsMs: (this.init.now ?? Date.now)() }
        const binding = this.init.binding?.()
        if (binding !== undefined) response.binding = binding
      }
      await lp.write(encodeFutureStateResponse(response), { signal })
      await stream.close({ signal })
    } catch (err: unknown) {
      this.log('future-state request failed - %e', err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** The libp2p service factory of the future-state responder. */
export function futureStateService (init: FutureStateServiceInit): (components: FutureStateServiceComponents) => FutureStateService {
  return (components) => new FutureStateService(components, init)
}
