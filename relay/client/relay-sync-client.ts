/**
 * `RelaySyncClient`: the requester toolkit of DESIGN.md §4.1. It fetches and pins the relay's
 * policy, signs each SyncRequest with the payer's TAU key, streams the blocks as its own selector
 * walk verifies them (sync-verifier.ts) and checks the final result and receipt (result-check.ts).
 *
 *   const client = new RelaySyncClient({ libp2p }, { tauPrivateKey })
 *   const policy = await client.fetchPolicy(relayAddr)
 *   const run = client.sync({ relay: relayAddr, peer, root, maxBlocks, maxBytes, maxCharge, policyCid: policy.cid })
 *   for await (const { cid, bytes } of run) { … }
 *   const result = await run.result
 */
import { varint } from 'multiformats'
import { MAX_SYNC_FRAME_BYTES, RELAY_SYNC_PROTOCOL } from '../../protocol/constants.js'
import { decodeSyncFrame, encodeSyncRequest, signSyncRequest } from '../../protocol/relay-sync/codec.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import { tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import { selectorCid } from '../../protocol/transfer-record.js'
import { FrameReader } from '../graphsync/frame-reader.js'
import { SyncStreamError } from '../relay-sync/errors.js'
import { fetchPolicy } from './policy-client.js'
import { checkSyncResult } from './result-check.js'
import { SyncVerifier } from './sync-verifier.js'
import type { FetchedPolicy, ProtocolDialer } from './policy-client.js'
import type { CheckedSyncResult } from './result-check.js'
import type { VerifiedBlock } from '../../protocol/block.js'
import type { SyncFrame } from '../../protocol/relay-sync/codec.js'
import type { SyncRequest } from '../../protocol/relay-sync/messages.js'
import type { PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** The selector of a whole DAG: ExploreRecursive(depth 100) over ExploreAll, go-graphsync's "all". */
export const EXPLORE_ALL_SELECTOR: Record<string, unknown> = Object.freeze({ R: { l: { depth: 100 }, ':>': { a: { '>': { '@': {} } } } } })

/** Whole-sync time limit of the client: 10 minutes, as the relay's. */
export const DEFAULT_CLIENT_SYNC_TIMEOUT_MS = 10 * 60_000

/** Frame bytes buffered before the client pauses the stream (backpressure to the relay): 4 MiB. */
const MAX_QUEUED_FRAME_BYTES = 4 * 1024 * 1024
/** Read buffer while paused: above yamux's 16 MiB window (DESIGN.md §9.1). */
const READ_BUFFER_BYTES = 20 * 1024 * 1024

/** What the client uses. */
export interface RelaySyncClientComponents {
  libp2p: ProtocolDialer
}

/** Client settings. */
export interface RelaySyncClientInit {
  /** The payer's 32-byte TAU private key; it signs every request. */
  tauPrivateKey: Uint8Array
  /** @default Date.now */
  now?: () => number
}

/** One sync to run. */
export interface RelaySyncOptions {
  relay: PeerId | Multiaddr
  /** The target peer holding the blocks. */
  peer: PeerId
  /** Where the relay may dial the target when it has no connection to it. */
  addrs?: Multiaddr[]
  /** The root, or omit and give `chain` for the target's future state root. */
  root?: CID
  chain?: Uint8Array
  /** @default EXPLORE_ALL_SELECTOR */
  selector?: Record<string, unknown>
  maxBlocks: number
  maxBytes: number
  maxCharge: bigint
  /** The CID of a policy fetched with `fetchPolicy` (pinned: the relay must honour it). */
  policyCid: CID
  signal?: AbortSignal
}

/** A running sync: iterate it for verified blocks; `result` settles after the last one. */
export interface RelaySyncRun extends AsyncIterable<VerifiedBlock> {
  readonly requestId: Uint8Array
  readonly result: Promise<CheckedSyncResult>
}

/** Requester client of `/tau/graphrelaysync/1.0.0`. */
export class RelaySyncClient {
  private readonly components: RelaySyncClientComponents
  private readonly tauPrivateKey: Uint8Array
  private readonly now: () => number
  private readonly policies = new Map<string, FetchedPolicy>()

  constructor (components: RelaySyncClientComponents, init: RelaySyncClientInit) {
    this.components = components
    this.tauPrivateKey = init.tauPrivateKey
    this.now = init.now ?? Date.now
  }

  /** The payer address of this client. */
  get payer (): Uint8Array {
    return tauAddressFromPrivateKey(this.tauPrivateKey)
  }

  /** Fetches and verifies the relay's current policy and remembers it by CID. */
  async fetchPolicy (relay: PeerId | Multiaddr, options: { signal?: AbortSignal } = {}): Promise<FetchedPolicy> {
    const policy = await fetchPolicy(this.components.libp2p, relay, options)
    this.policies.set(policy.cid.toString(), policy)
    return policy
  }

  /** Remembers a policy obtained elsewhere (e.g. `GET /policy`), after verifying it. */
  pinPolicy (policy: FetchedPolicy): void {
    this.policies.set(policy.cid.toString(), policy)
  }

  /** Signs a request (a fresh random id) for `options`. */
  signRequest (options: RelaySyncOptions): SyncRequest {
    const unsigned = {
      v: 1 as const,
      id: crypto.getRandomValues(new Uint8Array(16)),
      payer: this.payer,
      peer: options.peer.toMultihash().bytes,
      ...(options.addrs === undefined || options.addrs.length === 0 ? {} : { addrs: options.addrs.map((a) => a.bytes) }),
      root: options.root ?? null,
      ...(options.chain === undefined ? {} : { chain: options.chain }),
      sel: options.selector ?? EXPLORE_ALL_SELECTOR,
      maxBlocks: options.maxBlocks,
      maxBytes: options.maxBytes,
      maxCharge: options.maxCharge,
      policy: options.policyCid,
      tsMs: this.now()
    }
    return signSyncRequest(unsigned, this.tauPrivateKey)
  }

  /** Starts a sync; the stream opens on the first iteration. */
  sync (options: RelaySyncOptions): RelaySyncRun {
    const policy = this.policies.get(options.policyCid.toString())
    if (policy === undefined) throw new RangeError('unknown policy CID: fetchPolicy() or pinPolicy() it first')
    const request = this.signRequest(options)
    return this.run(request, policy, options)
  }

  /** Runs an already signed request (tests use it to replay or tamper). */
  run (request: SyncRequest, policy: FetchedPolicy, options: Pick<RelaySyncOptions, 'relay' | 'signal'>): RelaySyncRun {
    // default parse limits: the relay, not the client, enforces the policy's selector depth
    const selector = parseSelector(request.sel)
    let settle!: { resolve: (r: CheckedSyncResult) => void, reject: (e: Error) => void }
    const result = new Promise<CheckedSyncResult>((resolve, reject) => { settle = { resolve, reject } })
    result.catch(() => {})
    const dialer = this.components.libp2p
    let iterated = false
    const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(DEFAULT_CLIENT_SYNC_TIMEOUT_MS)])
    const blocks = async function * (): AsyncGenerator<VerifiedBlock, void, undefined> {
      if (iterated) throw new TypeError('a sync run can be iterated once')
      iterated = true
      let stream: Stream | undefined
      try {
        stream = await dialer.dialProtocol(options.relay, RELAY_SYNC_PROTOCOL, { signal })
        const body = encodeSyncRequest(request)
        const frame = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
        varint.encodeTo(body.byteLength, frame, 0)
        frame.set(body, frame.byteLength - body.byteLength)
        if (!stream.send(frame)) await stream.onDrain({ signal })
        await stream.close({ signal })
        const verifier = new SyncVerifier(frames(stream, policy.doc.limits.maxBlockBytes), {
          root: request.root, selector, maxBlockBytes: policy.doc.limits.maxBlockBytes
        })
        const onAbort = (): void => { stream?.abort(new SyncStreamError('sync aborted')) }
        signal.addEventListener('abort', onAbort, { once: true })
        try {
          yield * verifier
        } finally {
          signal.removeEventListener('abort', onAbort)
        }
        settle.resolve(checkSyncResult(request, policy.doc, verifier, selectorCid(request.sel)))
      } catch (err: unknown) {
        const error = err instanceof Error ? err : new Error(String(err))
        stream?.abort(error)
        settle.reject(error)
        throw error
      } finally {
        // a consumer that stops early abandons the sync: the relay sees the requester gone
        if (stream !== undefined && stream.status === 'open') stream.abort(new SyncStreamError('sync abandoned'))
        settle.reject(new SyncStreamError('sync abandoned before its result'))
      }
    }
    return { requestId: request.id, result, [Symbol.asyncIterator]: blocks }
  }
}

async function * frames (stream: Stream, maxBlockBytes: number): AsyncGenerator<SyncFrame, void, undefined> {
  const reader = new FrameReader(stream, { maxFrameBytes: MAX_SYNC_FRAME_BYTES, maxQueuedBytes: MAX_QUEUED_FRAME_BYTES, readBufferBytes: READ_BUFFER_BYTES })
  try {
    for await (const frame of reader) yield decodeSyncFrame(frame, { maxBlockBytes })
  } catch (err: unknown) {
    if (err instanceof Error && err.name === 'GraphsyncStreamError') throw new SyncStreamError(`relay-sync stream failed: ${err.message}`, { cause: err })
    throw err
  }
}
