/**
 * The policy store (DESIGN.md §5.1, §4.4) and the peer-binding store, in the ledger's LevelDB:
 *
 * - `0x09 ‖ validFromMs(8) ‖ policyCid -> signed policy document bytes`: the history, never deleted;
 * - `0x0a -> policyCid bytes`: the newest *published* document (which may not be in effect yet;
 *   the one in effect is chosen by time from the history, `currentPolicy`'s rule);
 * - `0x0b ‖ peerId bytes -> signed peer binding bytes`.
 *
 * Every document is decoded strictly, its signature verified (and its bindings, at publish time)
 * before it is written with `sync: true`: a published policy is what requesters pin, it must not be
 * lost once acknowledged. The history is small (one document per pricing change) and is kept in
 * memory after `start()`. The class satisfies relay/http/sources.ts `PolicySource`;
 * `bindingSource(store)` adapts the bindings to `BindingSource`.
 *
 * **Guarantees**: only verified documents enter the history; publishing the same document twice
 * changes nothing; the history is never rewritten; a rejected publish writes nothing.
 */
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { verifyPeerBinding } from '../protocol/peer-binding.js'
import { decodePeerBinding, encodePeerBinding } from '../protocol/peer-binding-codec.js'
import {
  currentPolicy, decodePolicyDocument, encodePolicyDocument, policyDocumentCid, selectPolicy, verifyPolicyBindings, verifyPolicyDocument
} from '../protocol/policy-document.js'
import { formatTauAddress } from '../protocol/tau-address.js'
import { LedgerCorruptError, NoCurrentPolicyError, PolicyOperatorMismatchError } from './errors.js'
import { PREFIX, prefixRange, uint64Bytes } from './ledger-keys.js'
import { hex } from './ledger-state.js'
import type { LedgerDatabase } from './ledger-state.js'
import type { PeerBinding } from '../protocol/peer-binding-codec.js'
import type { PolicySelection } from '../protocol/policy-document.js'
import type { PolicyDocument } from '../protocol/policy-schema.js'

/** A verified policy document with its canonical bytes and CID. */
export interface StoredPolicy {
  doc: PolicyDocument
  bytes: Uint8Array
  cid: CID
}

/** What the store uses. */
export interface PolicyStoreComponents {
  db: LedgerDatabase
}

/** Policy store settings. */
export interface PolicyStoreInit {
  /** Only documents for this TAU address are accepted. @default any signer */
  operatorAddress?: Uint8Array
  /** Clock for `current`/`select` without a time, and for checking bindings. @default Date.now */
  now?: () => number
}

const key = (prefix: number, ...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0))
  out[0] = prefix
  let at = 1
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** Signed policy history, current-policy lookup and peer bindings. */
export class PolicyStore {
  private readonly db: LedgerDatabase
  private readonly operator: Uint8Array | undefined
  private readonly now: () => number
  private entries: StoredPolicy[] = []

  constructor (components: PolicyStoreComponents, init: PolicyStoreInit = {}) {
    this.db = components.db
    this.operator = init.operatorAddress
    this.now = init.now ?? Date.now
  }

  /** Loads the history into memory. Idempotent. */
  async start (): Promise<void> {
    const entries: StoredPolicy[] = []
    for await (const [k, bytes] of this.db.iterator(prefixRange(PREFIX.POLICY_HISTORY))) {
      try {
        entries.push({ doc: decodePolicyDocument(bytes), bytes, cid: policyDocumentCid(bytes) })
      } catch (err: unknown) {
        throw new LedgerCorruptError(hex(k), err instanceof Error ? err.message : String(err))
      }
    }
    this.entries = entries
  }

  /** Verifies and stores a signed document (bytes or value); returns it stored. Publishing it again is a no-op. */
  async publish (input: Uint8Array | PolicyDocument): Promise<StoredPolicy> {
    const bytes = input instanceof Uint8Array ? input : encodePolicyDocument(input)
    const doc = decodePolicyDocument(bytes)
    verifyPolicyDocument(doc)
    if (this.operator !== undefined && !equals(doc.relay.tau, this.operator)) throw new PolicyOperatorMismatchError(formatTauAddress(doc.relay.tau))
    await verifyPolicyBindings(doc, this.now())
    const cid = policyDocumentCid(bytes)
    const existing = this.entries.find((e) => e.cid.equals(cid))
    if (existing !== undefined) return existing
    await this.db.batch([
      { type: 'put', key: key(PREFIX.POLICY_HISTORY, uint64Bytes(doc.validFromMs), cid.bytes), value: bytes },
      { type: 'put', key: key(PREFIX.POLICY_CURRENT), value: cid.bytes }
    ], { sync: true })
    const stored = { doc, bytes, cid }
    this.entries = [...this.entries, stored].sort((a, b) => a.doc.validFromMs - b.doc.validFromMs || compare(a.cid.bytes, b.cid.bytes))
    return stored
  }

  /** Imports the `policy.cbor` file written by `tau-relay init` (a signed DAG-CBOR document). */
  async import (fileBytes: Uint8Array): Promise<StoredPolicy> {
    return this.publish(fileBytes)
  }

  /** The policy in effect at `nowMs`; NoCurrentPolicyError when none is. */
  async current (nowMs: number = this.now()): Promise<StoredPolicy> {
    const doc = currentPolicy(this.entries.map((e) => e.doc), nowMs)
    const stored = doc === undefined ? undefined : this.entries.find((e) => e.doc === doc)
    if (stored === undefined) throw new NoCurrentPolicyError(nowMs)
    return stored
  }

  /** Where the policy `cid` stands at `nowMs`: current, honoured (superseded but within honouredUntilMs) or unknown. */
  async select (cid: CID, nowMs: number = this.now()): Promise<PolicySelection> {
    return selectPolicy(this.entries.map((e) => e.doc), cid, nowMs)
  }

  /** Every published policy, by validFromMs (then CID). */
  async history (): Promise<StoredPolicy[]> {
    return [...this.entries]
  }

  /** The CID of the newest published document, or undefined. */
  async newestPublished (): Promise<CID | undefined> {
    const bytes = await this.db.get(key(PREFIX.POLICY_CURRENT))
    return bytes === undefined ? undefined : CID.decode(bytes)
  }

  /** Verifies and stores a peer binding, replacing one for the same peer. */
  async putBinding (binding: PeerBinding): Promise<void> {
    await verifyPeerBinding(binding, { nowMs: this.now() })
    await this.db.batch([{ type: 'put', key: key(PREFIX.PEER_BINDING, binding.peer), value: encodePeerBinding(binding) }], { sync: true })
  }

  /** Removes the binding of `peer` (peer id bytes); false if there was none. */
  async deleteBinding (peer: Uint8Array): Promise<boolean> {
    const k = key(PREFIX.PEER_BINDING, peer)
    if (await this.db.get(k) === undefined) return false
    await this.db.batch([{ type: 'del', key: k }], { sync: true })
    return true
  }

  /** Every stored binding, by peer id bytes. */
  async bindings (): Promise<PeerBinding[]> {
    const out: PeerBinding[] = []
    for await (const [k, bytes] of this.db.iterator(prefixRange(PREFIX.PEER_BINDING))) {
      try {
        out.push(decodePeerBinding(bytes))
      } catch (err: unknown) {
        throw new LedgerCorruptError(hex(k), err instanceof Error ? err.message : String(err))
      }
    }
    return out
  }
}

function compare (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/** The bindings of a PolicyStore in the shape relay/http/sources.ts `BindingSource` expects. */
export function bindingSource (store: PolicyStore): { list: () => Promise<PeerBinding[]>, add: (b: PeerBinding) => Promise<void>, remove: (peer: Uint8Array) => Promise<boolean> } {
  return {
    list: async () => store.bindings(),
    add: async (binding) => store.putBinding(binding),
    remove: async (peer) => store.deleteBinding(peer)
  }
}
