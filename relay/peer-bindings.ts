/**
 * The peer bindings the relay keeps (DESIGN.md §3, §4.5), over the policy store's binding records
 * (`0x0b ‖ peerId bytes -> signed binding`, accounting/ledger-keys.ts): a direct lookup by peer for
 * admission, and a bound on how many bindings `/tau/identity/1.0.0` may add. The policy store
 * verifies and writes every binding; this class only reads keys and counts.
 *
 * The count is taken at `start()` and grows with each new peer stored here; bindings removed
 * through the admin API are not subtracted until the next start (the bound errs on the safe side).
 */
import { decodePeerBinding } from '../protocol/peer-binding-codec.js'
import { verifyPeerBinding } from '../protocol/peer-binding.js'
import { PREFIX, prefixRange } from '../accounting/ledger-keys.js'
import { DEFAULT_MAX_STORED_BINDINGS } from './node-defaults.js'
import type { LedgerDatabase } from '../accounting/ledger-state.js'
import type { PolicyStore } from '../accounting/policy-store.js'
import type { PeerBinding } from '../protocol/peer-binding-codec.js'

/** What the binding store uses. */
export interface PeerBindingStoreComponents {
  db: LedgerDatabase
  policyStore: Pick<PolicyStore, 'putBinding'>
}

/** Binding store settings. */
export interface PeerBindingStoreInit {
  /** @default DEFAULT_MAX_STORED_BINDINGS */
  maxBindings?: number
}

function bindingKey (peer: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + peer.length)
  key[0] = PREFIX.PEER_BINDING
  key.set(peer, 1)
  return key
}

/** Peer bindings by peer, with a bound on their number. */
export class PeerBindingStore {
  private readonly components: PeerBindingStoreComponents
  private readonly maxBindings: number
  private count = 0

  constructor (components: PeerBindingStoreComponents, init: PeerBindingStoreInit = {}) {
    this.components = components
    this.maxBindings = init.maxBindings ?? DEFAULT_MAX_STORED_BINDINGS
  }

  /** Counts the stored bindings. */
  async start (): Promise<void> {
    let count = 0
    for await (const [key] of this.components.db.iterator(prefixRange(PREFIX.PEER_BINDING))) if (key.length > 1) count++
    this.count = count
  }

  /** Bindings stored now (as far as this store knows). */
  get size (): number {
    return this.count
  }

  /** The stored binding of `peer` (peer id bytes), unverified; undefined if none. */
  async get (peer: Uint8Array): Promise<PeerBinding | undefined> {
    const bytes = await this.components.db.get(bindingKey(peer))
    return bytes === undefined ? undefined : decodePeerBinding(bytes)
  }

  /** The TAU address `peer` is bound to now: its stored binding, verified and unexpired; else undefined. */
  async boundAddress (peer: Uint8Array, nowMs: number): Promise<Uint8Array | undefined> {
    const binding = await this.get(peer)
    if (binding === undefined) return undefined
    try {
      await verifyPeerBinding(binding, { nowMs })
    } catch {
      return undefined
    }
    return binding.tau
  }

  /** Verifies and stores `binding` (replacing the peer's previous one); false when a new peer would exceed the bound. */
  async put (binding: PeerBinding): Promise<boolean> {
    const known = await this.components.db.get(bindingKey(binding.peer)) !== undefined
    if (!known) {
      if (this.count >= this.maxBindings) return false
      // counted before the write so that concurrent puts cannot overrun the bound
      this.count++
    }
    try {
      await this.components.policyStore.putBinding(binding)
    } catch (err: unknown) {
      if (!known) this.count--
      throw err
    }
    return true
  }
}
