/**
 * The relay side of `/tau/future-state/1.0.0` (DESIGN.md §4.3): asks a target for the root it is
 * building next for a chain. The answer is only used as a sync root, never trusted beyond that.
 */
import { lpStream } from '@libp2p/utils'
import { FUTURE_STATE_PROTOCOL, MAX_FUTURE_STATE_RESPONSE_BYTES } from '../../protocol/constants.js'
import {
  checkFutureStateAnswers, decodeFutureStateResponse, encodeFutureStateRequest, isFutureStateRoot
} from '../../protocol/future-state.js'
import { FutureStateNotActiveError } from '../relay-sync/errors.js'
import { chainKey } from './server.js'
import type { FutureStateRoot } from '../../protocol/future-state.js'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'

/** Anything that opens a stream to a peer: a libp2p node or its connection manager. */
export interface StreamOpener {
  /** libp2p's `dialProtocol` / connection manager `openStream` shape. */
  openStream?: (peer: PeerId, protocol: string, options?: AbortOptions) => Promise<Stream>
  dialProtocol?: (peer: PeerId, protocol: string, options?: AbortOptions) => Promise<Stream>
}

/** Opens `protocol` to `peer` through whichever method `opener` has. */
export async function openProtocolStream (opener: StreamOpener, peer: PeerId, protocol: string, options: AbortOptions): Promise<Stream> {
  if (opener.openStream !== undefined) return opener.openStream(peer, protocol, options)
  if (opener.dialProtocol !== undefined) return opener.dialProtocol(peer, protocol, options)
  throw new TypeError('opener has neither openStream nor dialProtocol')
}

/** Asks `peer` for its future root of `chain`; FutureStateNotActiveError when it is not active there. */
export async function requestFutureState (opener: StreamOpener, peer: PeerId, chain: Uint8Array, options: { signal: AbortSignal }): Promise<FutureStateRoot> {
  const stream = await openProtocolStream(opener, peer, FUTURE_STATE_PROTOCOL, options)
  const request = { v: 1 as const, chain }
  let response
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_FUTURE_STATE_RESPONSE_BYTES })
    await lp.write(encodeFutureStateRequest(request), options)
    response = decodeFutureStateResponse((await lp.read(options)).subarray())
    await stream.close(options)
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  checkFutureStateAnswers(request, response)
  if (!isFutureStateRoot(response)) throw new FutureStateNotActiveError(chainKey(chain))
  return response
}
