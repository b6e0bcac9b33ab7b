/**
 * Test helper: in-memory implementations of the HTTP routes' source interfaces
 * (relay/http/sources.ts), standing in for the policy store, transfer log and binding store until
 * those exist. Each exposes a `snapshot()` so tests can prove a refused request changed nothing.
 */
import { CID } from 'multiformats/cid'
import { toHex } from 'multiformats/bytes'
import { createPolicyDocument, encodePolicyDocument, policyDocumentCid, signPolicyDocument } from '../../protocol/policy-document.js'
import { encodeLogHead, logHeadCid, signLogHead } from '../../protocol/log-head.js'
import { blake2b256 } from '../../protocol/hashes.js'
import { tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'
import type { BindingSource, LogSource, PolicySource, StoredLogHead, StoredPolicy } from '../../relay/http/sources.js'

/** A stored policy from a signed document. */
export function storedPolicy (doc: PolicyDocument): StoredPolicy {
  const bytes = encodePolicyDocument(doc)
  return { doc, bytes, cid: policyDocumentCid(bytes) }
}

/** A signed default policy of the operator whose key is given. */
export function defaultTestPolicy (tauPrivateKey: Uint8Array, issuedAtMs = 1_700_000_000_000): StoredPolicy {
  const unsigned = createPolicyDocument({ relay: { tau: tauAddressFromPrivateKey(tauPrivateKey) }, issuedAtMs })
  return storedPolicy(signPolicyDocument(unsigned, tauPrivateKey))
}

/** A policy store in memory: the newest published document is current. */
export class MemoryPolicySource implements PolicySource {
  readonly policies: StoredPolicy[]

  constructor (first: StoredPolicy) {
    this.policies = [first]
  }

  async current (): Promise<StoredPolicy> { return this.policies[this.policies.length - 1] }
  async publish (doc: PolicyDocument): Promise<StoredPolicy> {
    const stored = storedPolicy(doc)
    this.policies.push(stored)
    return stored
  }

  async history (): Promise<StoredPolicy[]> { return [...this.policies] }
  snapshot (): string[] { return this.policies.map((p) => p.cid.toString()) }
}

/** A transfer log in memory: one signed head and proofs (opaque CAR bytes) by record seq. */
export class MemoryLogSource implements LogSource {
  stored?: StoredLogHead
  readonly proofs = new Map<number, Uint8Array>()

  async head (): Promise<StoredLogHead | undefined> { return this.stored }
  async proof (seq: number): Promise<Uint8Array | undefined> { return this.stored === undefined ? undefined : this.proofs.get(seq) }

  /** Commits a head over `count` records, signed by `tauPrivateKey`, with a stand-in proof per record. */
  commit (tauPrivateKey: Uint8Array, count: number, tsMs = 1_700_000_000_000): StoredLogHead {
    const hamt = CID.createV1(0x71, blake2b256.digest(new Uint8Array([0x82, 0x40, 0x80])))
    const prev = this.stored?.cid ?? null
    const head = signLogHead({ v: 1, seq: prev === null ? 0 : this.stored!.head.seq + 1, count, hamt, prev, tsMs, relay: new Uint8Array([0, 36, 8, 1, 18, 32, ...new Uint8Array(32)]) }, tauPrivateKey)
    const bytes = encodeLogHead(head)
    this.stored = { head, bytes, cid: logHeadCid(bytes) }
    for (let seq = 0; seq < count; seq++) this.proofs.set(seq, new Uint8Array([0x3a, 0xa2, seq & 0xff]))
    return this.stored
  }
}

/** Peer bindings in memory, keyed by peer id hex. */
export class MemoryBindingSource implements BindingSource {
  readonly bindings = new Map<string, PeerBinding>()

  async list (): Promise<PeerBinding[]> { return [...this.bindings.values()] }
  async add (binding: PeerBinding): Promise<void> { this.bindings.set(toHex(binding.peer), binding) }
  async remove (peer: Uint8Array): Promise<boolean> { return this.bindings.delete(toHex(peer)) }
  snapshot (): string[] { return [...this.bindings.keys()].sort() }
}
