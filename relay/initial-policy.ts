/**
 * The first policy of a relay (DESIGN.md §5.1): made from the config's `initialPolicy` terms and
 * DEFAULT_POLICY, naming the relay's own libp2p node in a peer binding, signed by its TAU key.
 * `init` writes it to `policy.cbor`; the policy store imports it on first start.
 */
import { writeFile } from 'node:fs/promises'
import { signPeerBinding } from '../protocol/peer-binding.js'
import { createPolicyDocument, encodePolicyDocument, policyDocumentCid, signPolicyDocument } from '../protocol/policy-document.js'
import { tauAddressFromPrivateKey } from '../protocol/tau-address.js'
import type { PrivateKey } from '@libp2p/interface'
import type { RelayConfig } from './config-schema.js'
import type { StoredPolicy } from './http/sources.js'

/** Validity of the relay's own peer binding in its first policy: one year, then the operator re-publishes. */
export const DEFAULT_BINDING_VALIDITY_MS = 365 * 24 * 60 * 60_000

/** What the first policy is made from. */
export interface InitialPolicyInit {
  tauPrivateKey: Uint8Array
  libp2pKey: PrivateKey
  terms: RelayConfig['initialPolicy']
  nowMs: number
  /** @default DEFAULT_BINDING_VALIDITY_MS */
  bindingValidityMs?: number
}

/** Makes, signs and encodes the relay's first policy. */
export async function createInitialPolicy (init: InitialPolicyInit): Promise<StoredPolicy> {
  const binding = await signPeerBinding({
    tauPrivateKey: init.tauPrivateKey,
    libp2pPrivateKey: init.libp2pKey,
    issuedAtMs: init.nowMs,
    expiresAtMs: init.nowMs + (init.bindingValidityMs ?? DEFAULT_BINDING_VALIDITY_MS)
  })
  const t = init.terms
  const unsigned = createPolicyDocument({
    relay: { tau: tauAddressFromPrivateKey(init.tauPrivateKey), peers: [binding] },
    issuedAtMs: init.nowMs,
    pricing: { perBlock: t.perBlockNanoTau, perMiB: t.perMiBNanoTau },
    freeQuota: { bytes: t.freeQuotaBytes, periodMs: t.freeQuotaPeriodMs },
    seedingCredit: { perMiB: t.seedingCreditPerMiBNanoTau },
    circuit: { reservationFee: t.reservationFeeNanoTau },
    settlement: { minTopUp: t.minTopUpNanoTau }
  })
  const doc = signPolicyDocument(unsigned, init.tauPrivateKey)
  const bytes = encodePolicyDocument(doc)
  return { doc, bytes, cid: policyDocumentCid(bytes) }
}

/** Writes a policy's bytes to a new file (never replacing an existing policy). */
export async function writePolicyFile (path: string, policy: StoredPolicy): Promise<void> {
  await writeFile(path, policy.bytes, { flag: 'wx', mode: 0o644 })
}
