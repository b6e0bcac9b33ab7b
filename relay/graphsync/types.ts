/**
 * Public shapes of the graphsync service: the block store it serves from, request options and
 * results, and the service's init and components (only what it uses, libp2p style).
 */
import type { GraphsyncExtensions, GraphsyncStatusCode } from '../../protocol/graphsync/message.js'
import type { WalkLimits } from '../../protocol/selector/limits.js'
import type { BlockStore } from '../../protocol/hamt/types.js'
import type { VerifiedBlock } from '../../protocol/block.js'
import type { CID } from 'multiformats/cid'
import type {
  AbortOptions, ComponentLogger, Libp2pEvents, PeerId, Stream, StreamHandler, StreamHandlerOptions, TypedEventTarget
} from '@libp2p/interface'

/** Where the responder reads blocks: the read half of the HAMT's `BlockStore`. */
export type GraphsyncBlockStore = Pick<BlockStore, 'get'>

/** Options of one outgoing request; each limit falls back to a DEFAULT_* of constants.ts. */
export interface GraphsyncRequestOptions {
  /** Aborting cancels the request (a cancel is sent) and fails it with the signal's reason. */
  signal?: AbortSignal
  /** Whole-request time limit. @default DEFAULT_REQUEST_TIMEOUT_MS */
  timeoutMs?: number
  /** Longest wait for the responder's next metadata while the walk needs it. @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** Most blocks delivered. @default DEFAULT_MAX_REQUEST_BLOCKS */
  maxBlocks?: number
  /** Most block bytes delivered. @default DEFAULT_MAX_REQUEST_BYTES */
  maxBytes?: number
  /** Largest single block accepted. @default DEFAULT_MAX_BLOCK_BYTES (2 MiB) */
  maxBlockBytes?: number
  /** Consecutive interim responses without metadata tolerated. @default DEFAULT_MAX_EMPTY_RESPONSES */
  maxEmptyResponses?: number
  /** Request priority on the wire. @default 0 */
  priority?: number
  /** Blocks the responder must not send (we hold them: `localStore` must resolve them). */
  doNotSendCids?: Iterable<CID>
  /** Skip this many blocks in traversal order (resuming; `localStore` must resolve them). */
  doNotSendFirstBlocks?: number
  /** Share the responder's (and our) duplicate tracking with other requests of this key. */
  dedupByKey?: string
  /** Extra extensions sent as is. */
  extensions?: GraphsyncExtensions
  /** Blocks we already hold, used for links the responder marks "duplicate, not sent". */
  localStore?: GraphsyncBlockStore
  /** Selector parse and walk limits of the local verifying walk. */
  walkLimits?: WalkLimits
}

/** How a request ended when it did not fail. */
export interface GraphsyncResult {
  /** The responder's final status (20 full, 21 partial, 34 not found, 3x errors). */
  status: GraphsyncStatusCode
  /** Blocks delivered (verified, in walk order). */
  blocks: number
  /** Their total bytes. */
  bytes: number
  /** Links the responder declared missing. */
  missing: number
}

/** One running request: iterate it for verified blocks; `result` settles when it ends. */
export interface GraphsyncRequestRun extends AsyncIterable<VerifiedBlock> {
  /** The 16-byte request id. */
  readonly id: Uint8Array
  /** The final result; rejects with the typed error that ended the request. */
  readonly result: Promise<GraphsyncResult>
  /** Cancels the request (sends a cancel if the responder is still working). */
  cancel: () => void
}

/** Responder counters for one peer (metrics and tests). */
export interface GraphsyncResponderStats {
  inProgress: number
  queued: number
  bufferedBytes: number
  maxBufferedBytesSeen: number
  blocksSent: number
}

/** The registrar methods the service uses. */
export interface GraphsyncRegistrar {
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

/** The connection manager method the service uses. */
export interface GraphsyncConnectionManager {
  openStream: (peer: PeerId, protocol: string, options?: AbortOptions) => Promise<Stream>
}

/** libp2p components of the service. */
export interface GraphsyncComponents {
  registrar: GraphsyncRegistrar
  connectionManager: GraphsyncConnectionManager
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
}

/** Service configuration; each field defaults to the DEFAULT_* constant named in its JSDoc. */
export interface GraphsyncInit {
  /** Blocks served to requesters; without one every request is answered 34 (not found). */
  blockStore?: GraphsyncBlockStore
  /** Largest message read or written. @default DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES */
  maxMessageBytes?: number
  /** Block bytes per response message. @default DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE */
  maxBlockBytesPerMessage?: number
  /** @default DEFAULT_MAX_IN_PROGRESS_RESPONSES_PER_PEER */
  maxInProgressResponsesPerPeer?: number
  /** @default DEFAULT_MAX_QUEUED_RESPONSES_PER_PEER */
  maxQueuedResponsesPerPeer?: number
  /** @default DEFAULT_MAX_BUFFERED_BYTES_PER_PEER */
  maxBufferedBytesPerPeer?: number
  /** Deepest recursion accepted from requesters. @default DEFAULT_MAX_RECURSION_DEPTH (100) */
  maxRecursionDepth?: number
  /** Accept `none` recursion from requesters. @default false (rejected with 30) */
  allowRecursionNone?: boolean
  /** Most nodes one served walk may visit. @default DEFAULT_MAX_NODES_VISITED */
  maxNodesVisited?: number
  /** @default DEFAULT_MAX_INBOUND_STREAMS */
  maxInboundStreams?: number
  /** @default DEFAULT_MAX_OUTBOUND_STREAMS */
  maxOutboundStreams?: number
  /** @default DEFAULT_STREAM_READ_BUFFER_BYTES */
  streamReadBufferBytes?: number
  /** @default DEFAULT_MAX_PENDING_BYTES_PER_REQUEST */
  maxPendingBytesPerRequest?: number
  /** @default DEFAULT_SEND_TIMEOUT_MS */
  sendTimeoutMs?: number
  /** How long an idle outgoing stream stays open for the next message. @default DEFAULT_STREAM_LINGER_MS */
  streamLingerMs?: number
  /** Upload limit of the responder, all peers together, bytes/s (a token bucket). @default unlimited */
  maxBytesPerSecond?: number
}
