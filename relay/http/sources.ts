/**
 * What the HTTP routes need from the relay's stores, as narrow interfaces (STYLE.md 5.3): the
 * policy store, the transfer log and the peer bindings implement them, and tests plug in small
 * in-memory versions. Routes never see more of a store than these methods.
 */
import type { CID } from 'multiformats/cid'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { LogHead } from '../../protocol/log-head.js'

/** A signed policy document with its canonical bytes and CID. */
export interface StoredPolicy {
  doc: PolicyDocument
  /** Canonical DAG-CBOR encoding (what `GET /policy` serves and the CID names). */
  bytes: Uint8Array
  cid: CID
}

/** The relay's policy store, as the HTTP routes use it. */
export interface PolicySource {
  /** The policy in force now. */
  current: () => Promise<StoredPolicy>
  /** Stores a verified, signed document as the newest policy; returns it stored. */
  publish: (doc: PolicyDocument) => Promise<StoredPolicy>
  /** Every policy ever published, oldest first. */
  history: () => Promise<StoredPolicy[]>
}

/** A signed log head with its encoding and CID (the log root). */
export interface StoredLogHead {
  head: LogHead
  bytes: Uint8Array
  cid: CID
}

/** The transfer log, as the HTTP routes use it. */
export interface LogSource {
  /** The newest committed head, or undefined before the first commit. */
  head: () => Promise<StoredLogHead | undefined>
  /** The inclusion proof (CARv1 bytes) of record `seq` under the newest head, or undefined if no such record. */
  proof: (seq: number) => Promise<Uint8Array | undefined>
}

/** Peer bindings of the operator's relay nodes (DESIGN.md §3). */
export interface BindingSource {
  list: () => Promise<PeerBinding[]>
  /** Stores a binding that the route has verified; replaces one for the same peer. */
  add: (binding: PeerBinding) => Promise<void>
  /** Removes the binding of `peer` (peer id bytes); false if there was none. */
  remove: (peer: Uint8Array) => Promise<boolean>
}

/** Named readiness checks (`ledger`, `libp2p`, `log`, …); ready when every one is true. */
export type ReadinessReport = Record<string, boolean>
