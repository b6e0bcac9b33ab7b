/**
 * The requester side of `/tau/relay/policy/1.0.0` (DESIGN.md §4.4): the relay writes its current
 * signed policy document as one length-prefixed DAG-CBOR frame and closes. The document is decoded
 * strictly and its signature verified; its CID is what a requester pins in `SyncRequest.policy`.
 */
import { lpStream } from '@libp2p/utils'
import { MAX_POLICY_DOCUMENT_BYTES, POLICY_PROTOCOL } from '../../protocol/constants.js'
import { decodePolicyDocument, policyDocumentCid, verifyPolicyDocument } from '../../protocol/policy-document.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** Time to fetch a policy: 10 s (one ≤ 64 KiB message). */
export const DEFAULT_POLICY_FETCH_TIMEOUT_MS = 10_000

/** A verified policy document with its bytes and CID. */
export interface FetchedPolicy {
  doc: PolicyDocument
  bytes: Uint8Array
  cid: CID
}

/** A node that can open protocol streams (a libp2p node). */
export interface ProtocolDialer {
  dialProtocol: (peer: PeerId | Multiaddr | Multiaddr[], protocols: string | string[], options?: AbortOptions) => Promise<Stream>
}

/** Verifies policy bytes: strict decode, then the operator's signature. */
export function readPolicy (bytes: Uint8Array): FetchedPolicy {
  const doc = decodePolicyDocument(bytes)
  verifyPolicyDocument(doc)
  return { doc, bytes, cid: policyDocumentCid(bytes) }
}

/** Fetches and verifies the current policy of the relay at `relay`. */
export async function fetchPolicy (node: ProtocolDialer, relay: PeerId | Multiaddr, options: AbortOptions = {}): Promise<FetchedPolicy> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_POLICY_FETCH_TIMEOUT_MS)
  const stream = await node.dialProtocol(relay, POLICY_PROTOCOL, { signal })
  let bytes: Uint8Array
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_POLICY_DOCUMENT_BYTES })
    bytes = (await lp.read({ signal })).subarray()
    await stream.close({ signal })
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  return readPolicy(bytes)
}
