/**
 * Test helper: many distinct payers and peers exercising a relay cheaply. Actor `i` has a fresh
 * Ed25519 peer id and a payer address; it sends one sync request the relay refuses and one peer
 * binding over someone else's connection. Most requests carry a high-s signature (refused as
 * `bad_signature` before any curve math: secp256k1 costs ~4 ms per sign or recover on the shared
 * box); about one in fifty is genuinely signed and refused as expired, unknown policy,
 * insufficient funds or replayed. Bindings are signed by the actor's Ed25519 key; their TAU signature is filler,
 * since the relay refuses a binding for another peer before checking any signature.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import { IDENTITY_PROTOCOL, RELAY_SYNC_PROTOCOL } from '../../protocol/constants.js'
import { decodeIdentityAck, encodeIdentityMessage } from '../../protocol/identity-message.js'
import { peerBindingPayload } from '../../protocol/peer-binding.js'
import { decodeSyncFrame, encodeSyncRequest, signSyncRequest } from '../../protocol/relay-sync/codec.js'
import { tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import { EXPLORE_ALL_SELECTOR } from '../../relay/client/relay-sync-client.js'
import type { SyncRequest, UnsignedSyncRequest } from '../../protocol/relay-sync/messages.js'
import type { Connection } from '@libp2p/interface'

/** What the relay answers each kind of actor. */
export type ActorKind = 'bad_signature' | 'expired' | 'unknown_policy' | 'insufficient_funds' | 'replayed'
const SIGNED_KINDS: readonly ActorKind[] = ['expired', 'unknown_policy', 'insufficient_funds', 'replayed']

/** One actor's messages and the reason the relay must answer. */
export interface Actor { kind: ActorKind, request: Uint8Array, binding: Uint8Array }

/** What actors need to know about the relay. */
export interface ActorContext {
  policyCid: CID
  /** The id of a completed sync, for replays. */
  replayedId: Uint8Array
  nowMs: number
}

const ROOT = CID.parse('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
const UNKNOWN_POLICY = CID.createV1(0x71, CID.parse('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku').multihash)
/** r = 1, s in the high half of the order (refused as `high_s`), v = 0. */
const HIGH_S_SIG = Uint8Array.from([...new Uint8Array(31), 1, 0xf0, ...new Uint8Array(31), 0])

/**
 * The kind of actor `i`: every 10th of the first 100 and every 50th after is signed (rotating
 * through the signed kinds, so each occurs among the first 100), the rest high-s. Only even actors
 * send requests, and these steps are even.
 */
export function kindOf (i: number): ActorKind {
  const step = i < 100 ? 10 : 50
  return i % step === 0 ? SIGNED_KINDS[(i / step) % SIGNED_KINDS.length] : 'bad_signature'
}

function seeded (label: string, i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`cardinality ${label} ${i}`))
}

/** Builds actor `i` (a fresh Ed25519 key each time). */
export async function makeActor (i: number, kind: ActorKind, ctx: ActorContext): Promise<Actor> {
  const libp2pKey = await generateKeyPair('Ed25519')
  const peer = peerIdFromPrivateKey(libp2pKey).toMultihash().bytes
  const tauKey = seeded('payer', i)
  const payer = kind === 'bad_signature' ? seeded('address', i).subarray(0, 20) : tauAddressFromPrivateKey(tauKey)
  const unsigned: UnsignedSyncRequest = {
    v: 1,
    id: kind === 'replayed' ? ctx.replayedId : seeded('id', i).subarray(0, 16),
    payer,
    peer,
    root: ROOT,
    sel: EXPLORE_ALL_SELECTOR,
    maxBlocks: 10,
    maxBytes: 10_000,
    maxCharge: 1000n,
    policy: kind === 'unknown_policy' ? UNKNOWN_POLICY : ctx.policyCid,
    tsMs: kind === 'expired' ? ctx.nowMs - 10 * 3_600_000 : ctx.nowMs
  }
  const request: SyncRequest = kind === 'bad_signature' ? { ...unsigned, sig: HIGH_S_SIG } : signSyncRequest(unsigned, tauKey)
  const binding = { tau: payer, peer, issuedAtMs: ctx.nowMs, expiresAtMs: ctx.nowMs + 3_600_000 }
  const peerSig = await libp2pKey.sign(peerBindingPayload(binding))
  return { kind, request: encodeSyncRequest(request), binding: encodeIdentityMessage({ ...binding, peerSig, tauSig: new Uint8Array(65).fill(1) }) }
}

/** Sends one request on a new stream of `connection`; returns the status and reason of the relay's result frame. */
export async function sendRequest (connection: Connection, bytes: Uint8Array): Promise<string> {
  const signal = AbortSignal.timeout(20_000)
  const stream = await connection.newStream(RELAY_SYNC_PROTOCOL, { signal })
  const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
  await lp.write(bytes, { signal })
  const frame = decodeSyncFrame((await lp.read({ signal })).subarray())
  await stream.close({ signal })
  return frame.type === 'result' ? `${frame.result.status}:${frame.result.reason ?? ''}` : 'block'
}

/** Sends one binding on a new stream of `connection`; returns the relay's ack reason (or `ok`). */
export async function sendBinding (connection: Connection, bytes: Uint8Array): Promise<string> {
  const signal = AbortSignal.timeout(20_000)
  const stream = await connection.newStream(IDENTITY_PROTOCOL, { signal })
  const lp = lpStream(stream, { maxDataLength: 256 })
  await lp.write(bytes, { signal })
  const ack = decodeIdentityAck((await lp.read({ signal })).subarray())
  await stream.close({ signal })
  return ack.ok ? 'ok' : ack.reason
}

/** Runs `work(i, worker)` for i in [from, to) on `workers` workers; tallies the results. */
export async function runPool (from: number, to: number, workers: number, work: (i: number, worker: number) => Promise<string[]>): Promise<Record<string, number>> {
  const tally: Record<string, number> = {}
  let next = from
  const run = async (_: unknown, worker: number): Promise<void> => {
    while (next < to) {
      const i = next++
      for (const result of await work(i, worker)) tally[result] = (tally[result] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: workers }, run))
  return tally
}
