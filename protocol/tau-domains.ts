/**
 * Signing domain tags (DESIGN.md §3): every signed message type hashes its own ASCII tag in front
 * of its body, so a signature made for one type can never be replayed as another.
 */
import { InvalidSigningDomainError } from './errors.js'

/** The domain tag of each signed message type; the trailing `/1` versions the signed layout. */
export const TAU_DOMAIN = {
  syncRequest: 'tau-relay/sync-request/1',
  policy: 'tau-relay/policy/1',
  logHead: 'tau-relay/log-head/1',
  peerBinding: 'tau-relay/peer-binding/1',
  statement: 'tau-relay/statement/1',
  settlement: 'tau-relay/settlement/1',
  receipt: 'tau-relay/receipt/1'
} as const

/** One of the known domain tags. */
export type TauDomain = typeof TAU_DOMAIN[keyof typeof TAU_DOMAIN]

/** Longest accepted domain tag; ours are < 32 characters, the bound only stops abuse. */
export const MAX_TAU_DOMAIN_LENGTH = 128

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/

/** Asserts that `domain` is 1..128 printable ASCII characters (so it contains no NUL separator). */
export function assertTauDomain (domain: string): void {
  if (typeof domain !== 'string' || domain.length > MAX_TAU_DOMAIN_LENGTH || !PRINTABLE_ASCII.test(domain)) {
    throw new InvalidSigningDomainError(String(domain))
  }
}
