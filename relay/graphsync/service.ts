/**
 * `GraphsyncService`: the one libp2p service that speaks `/ipfs/graphsync/2.0.0` for a node that is
 * both requester and responder. It owns the protocol handler, which reads every length-prefixed
 * message of every inbound stream until the stream closes (go-graphsync may put several messages
 * on one stream) and routes requests to the responder and responses to the requester. Streams are
 * only read and closed here; every failure is caught and typed (DESIGN.md §9.2).
 */
import { DEFAULT_MAX_BLOCK_BYTES } from '../../protocol/block.js'
import {
  DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE, DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES, GRAPHSYNC_PROTOCOL_V2
} from '../../protocol/graphsync/constants.js'
import { DEFAULT_ALLOW_RECURSION_NONE, DEFAULT_MAX_NODES_VISITED, DEFAULT_MAX_RECURSION_DEPTH } from '../../protocol/selector/limits.js'
import {
  DEFAULT_FRAME_QUEUE_BYTES, DEFAULT_MAX_BUFFERED_BYTES_PER_PEER, DEFAULT_MAX_IN_PROGRESS_RESPONSES_PER_PEER,
  DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_MAX_PENDING_BYTES_PER_REQUEST,
  DEFAULT_MAX_QUEUED_RESPONSES_PER_PEER, DEFAULT_SEND_TIMEOUT_MS, DEFAULT_STREAM_LINGER_MS, DEFAULT_STREAM_READ_BUFFER_BYTES
} from './constants.js'
import { GraphsyncStoppedError, GraphsyncStreamError } from './errors.js'
import { FrameReader } from './frame-reader.js'
import { GraphsyncRequester } from './requester.js'
import { GraphsyncResponder } from './responder.js'
import { TokenBucket } from './token-bucket.js'
import { decodeFrame } from './wire.js'
import type {
  GraphsyncComponents, GraphsyncInit, GraphsyncRequestOptions, GraphsyncRequestRun, GraphsyncResponderStats
} from './types.js'
import type { Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Graphsync v2 requester and responder as one libp2p service. */
export class GraphsyncService implements Startable {
  readonly protocol = GRAPHSYNC_PROTOCOL_V2
  private readonly components: GraphsyncComponents
  private readonly log: Logger
  private readonly maxMessageBytes: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly streamReadBufferBytes: number
  private readonly sendTimeoutMs: number
  private readonly responder: GraphsyncResponder
  private readonly requester: GraphsyncRequester
  private readonly peers = new Map<string, PeerId>()
  /** Per peer, settles when every stream opened so far has ended: responses are used in stream order. */
  private readonly streamOrder = new Map<string, Promise<void>>()
  private started = false

  constructor (components: GraphsyncComponents, init: GraphsyncInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('tau-relay:graphsync')
    this.maxMessageBytes = init.maxMessageBytes ?? DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES
    this.maxInboundStreams = init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS
    this.maxOutboundStreams = init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS
    this.streamReadBufferBytes = init.streamReadBufferBytes ?? DEFAULT_STREAM_READ_BUFFER_BYTES
    this.sendTimeoutMs = init.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS
    this.responder = new GraphsyncResponder({
      store: init.blockStore ?? { get: async () => undefined },
      maxInProgress: init.maxInProgressResponsesPerPeer ?? DEFAULT_MAX_IN_PROGRESS_RESPONSES_PER_PEER,
      maxQueued: init.maxQueuedResponsesPerPeer ?? DEFAULT_MAX_QUEUED_RESPONSES_PER_PEER,
      maxBufferedBytes: init.maxBufferedBytesPerPeer ?? DEFAULT_MAX_BUFFERED_BYTES_PER_PEER,
      maxBlockBytesPerMessage: init.maxBlockBytesPerMessage ?? DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE,
      maxMessageBytes: this.maxMessageBytes,
      maxRecursionDepth: init.maxRecursionDepth ?? DEFAULT_MAX_RECURSION_DEPTH,
      allowRecursionNone: init.allowRecursionNone ?? DEFAULT_ALLOW_RECURSION_NONE,
      maxNodesVisited: init.maxNodesVisited ?? DEFAULT_MAX_NODES_VISITED,
      sendTimeoutMs: this.sendTimeoutMs,
      lingerMs: init.streamLingerMs ?? DEFAULT_STREAM_LINGER_MS,
      rateLimit: init.maxBytesPerSecond === undefined ? undefined : new TokenBucket(init.maxBytesPerSecond),
      log: this.log
    })
    this.requester = new GraphsyncRequester({
      send: async (peer, frame) => { await this.sendOnNewStream(peer, frame) },
      maxMessageBytes: this.maxMessageBytes,
      maxPendingBytes: Math.max(init.maxPendingBytesPerRequest ?? DEFAULT_MAX_PENDING_BYTES_PER_REQUEST, DEFAULT_MAX_BLOCK_BYTES),
      log: this.log
    })
  }

  readonly [Symbol.toStringTag] = 'tau-relay/graphsync'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(this.protocol, this.onStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams
    })
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.components.registrar.unhandle(this.protocol)
    this.requester.stop(new GraphsyncStoppedError())
    this.responder.stop()
    this.peers.clear()
  }

  /** Requests `selector` from `root` at `peer`: iterate the run for verified blocks in walk order. */
  request (peer: PeerId, root: CID, selector: unknown, options: GraphsyncRequestOptions = {}): GraphsyncRequestRun {
    this.peers.set(peer.toString(), peer)
    return this.requester.request(peer.toString(), root, selector, options)
  }

  /** The responder's counters for `peer`. */
  responderStats (peer: PeerId): GraphsyncResponderStats {
    return this.responder.stats(peer.toString())
  }

  /** Requests of ours still in flight. */
  get requestsInFlight (): number {
    return this.requester.size
  }

  private readonly onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer
    const key = peer.toString()
    this.peers.set(key, peer)
    // A peer's messages may span several streams (a new one after each close). Responses of a
    // stream are used only after every earlier stream of that peer has ended, so metadata keeps
    // its order; requests (cancel, update) are handled at once.
    const previous = this.streamOrder.get(key) ?? Promise.resolve()
    let ended!: () => void
    const mine = Promise.all([previous, new Promise<void>((resolve) => { ended = resolve })]).then(() => {
      if (this.streamOrder.get(key) === mine) this.streamOrder.delete(key)
    })
    this.streamOrder.set(key, mine)
    void this.readStream(stream, key, previous).finally(ended)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    try {
      const peer = evt.detail.toString()
      this.requester.failPeer(peer, new GraphsyncStreamError('disconnected'))
      this.responder.peerGone(peer)
      this.peers.delete(peer)
      this.streamOrder.delete(peer)
    } catch (err: unknown) {
      this.log.error('graphsync disconnect handling failed - %e', err)
    }
  }

  private async readStream (stream: Stream, peer: string, earlierStreams: Promise<void>): Promise<void> {
    const reader = new FrameReader(stream, {
      maxFrameBytes: this.maxMessageBytes,
      maxQueuedBytes: DEFAULT_FRAME_QUEUE_BYTES,
      readBufferBytes: this.streamReadBufferBytes
    })
    try {
      for await (const frame of reader) {
        const message = decodeFrame(frame, this.maxMessageBytes)
        if (message.requests !== undefined && message.requests.length > 0) {
          this.responder.handleRequests(peer, async (options) => this.openStream(peer, options), message.requests)
        }
        if (message.responses !== undefined && message.responses.length > 0) {
          await earlierStreams
          await this.requester.handleResponses(peer, message)
        }
      }
      await stream.close({ signal: AbortSignal.timeout(this.sendTimeoutMs) })
    } catch (err: unknown) {
      const error = err instanceof Error ? err : new Error(String(err))
      this.log('graphsync stream from %s failed - %e', peer, error)
      // a peer whose stream broke or carried garbage may have lost responses of any request
      this.requester.failPeer(peer, error)
      try {
        stream.abort(error)
      } catch {}
    }
  }

  private async openStream (peer: string, options: { signal?: AbortSignal }): Promise<Stream> {
    const peerId = this.peers.get(peer)
    if (peerId === undefined) throw new GraphsyncStreamError('disconnected')
    return this.components.connectionManager.openStream(peerId, this.protocol, { signal: options.signal })
  }

  private async sendOnNewStream (peer: string, frame: Uint8Array | Uint8ArrayList): Promise<void> {
    const signal = AbortSignal.timeout(this.sendTimeoutMs)
    const stream = await this.openStream(peer, { signal })
    try {
      if (!stream.send(frame)) await stream.onDrain({ signal })
      await stream.close({ signal })
    } catch (err: unknown) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
}
