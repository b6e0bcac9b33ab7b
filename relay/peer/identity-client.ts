/**
 * The peer side of `/tau/identity/1.0.0` (DESIGN.md §4.5): a target peer sends its signed peer
 * binding (libp2p key + TAU key) to a relay and reads the relay's acknowledgement.
 */
import { lpStream } from '@libp2p/utils'
import { IDENTITY_PROTOCOL, MAX_IDENTITY_ACK_BYTES } from '../../protocol/constants.js'
import { decodeIdentityAck, encodeIdentityMessage } from '../../protocol/identity-message.js'
import { signPeerBinding } from '../../protocol/peer-binding.js'
import { BindingRejectedError } from '../relay-sync/errors.js'
import type { ProtocolDialer } from '../client/policy-client.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How long a published binding is valid: 30 days; a serving peer republishes on every start. */
export const DEFAULT_BINDING_VALIDITY_MS = 30 * 24 * 60 * 60_000

/** Time to send a binding and read the ack: 10 s. */
export const DEFAULT_IDENTITY_TIMEOUT_MS = 10_000

/** Signs a binding of `libp2pPrivateKey`'s peer id to `tauPrivateKey`'s address, valid from `nowMs`. */
export async function makeBinding (tauPrivateKey: Uint8Array, libp2pPrivateKey: PrivateKey, nowMs: number): Promise<PeerBinding> {
  return signPeerBinding({ tauPrivateKey, libp2pPrivateKey, issuedAtMs: nowMs, expiresAtMs: nowMs + DEFAULT_BINDING_VALIDITY_MS })
}

/** Sends `binding` to the relay; throws BindingRejectedError when the relay refuses it. */
export async function publishBinding (node: ProtocolDialer, relay: PeerId | Multiaddr, binding: PeerBinding, options: { signal?: AbortSignal } = {}): Promise<void> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_IDENTITY_TIMEOUT_MS)
  const stream = await node.dialProtocol(relay, IDENTITY_PROTOCOL, { signal })
  let ack
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_IDENTITY_ACK_BYTES })
    await lp.write(encodeIdentityMessage(binding), { signal })
    ack = decodeIdentityAck((await lp.read({ signal })).subarray())
    await stream.close({ signal })
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  if (!ack.ok) throw new BindingRejectedError(ack.reason)
}
