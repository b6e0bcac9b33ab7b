/**
 * The responder half of the graphsync service: validates incoming requests (selector limits:
 * recursion depth ≤ 100 and no `none` by default, else 30 rejected), schedules them per peer with
 * the pure `responseTransition` (6 in progress, the rest queued), runs each walk, honours cancel
 * and update, and owns each peer's outgoing message queue (bounded buffered bytes).
 */
import { readKnownExtensions } from '../../protocol/graphsync/extensions.js'
import { GraphsyncStatus } from '../../protocol/graphsync/message.js'
import { initialResponderPeerState, inProgressCount, responseTransition } from '../../protocol/graphsync/response-state.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import { PeerMessageQueue } from './message-queue.js'
import { runResponseWalk } from './response-walk.js'
import { frameMessage } from './wire.js'
import type { GraphsyncRequest, GraphsyncStatusCode } from '../../protocol/graphsync/message.js'
import type { ResponderPeerState, ResponseAction, ResponseEvent } from '../../protocol/graphsync/response-state.js'
import type { Selector } from '../../protocol/selector/types.js'
import type { OpenStream } from './message-queue.js'
import type { TokenBucket } from './token-bucket.js'
import type { GraphsyncBlockStore, GraphsyncResponderStats } from './types.js'
import type { Logger } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Resolved configuration of the responder. */
export interface ResponderConfig {
  store: GraphsyncBlockStore
  maxInProgress: number
  maxQueued: number
  maxBufferedBytes: number
  maxBlockBytesPerMessage: number
  maxMessageBytes: number
  maxRecursionDepth: number
  allowRecursionNone: boolean
  maxNodesVisited: number
  sendTimeoutMs: number
  lingerMs: number
  /** The upload limit shared by every peer's queue, if any. */
  rateLimit?: TokenBucket
  log: Logger
}

interface Task {
  readonly requestId: Uint8Array
  readonly root: CID
  readonly selector: Selector
  readonly controller: AbortController
  readonly doNotSend: Set<string>
  readonly skipFirstBlocks: number
  readonly dedupKey?: string
}

interface PeerResponder {
  state: ResponderPeerState
  readonly queue: PeerMessageQueue
  readonly tasks: Map<string, Task>
  /** dedup-by-key groups: CIDs sent by any running response of the key. */
  readonly dedupGroups: Map<string, { sent: Set<string>, refs: number }>
  blocksSent: number
}

/** Serves graphsync requests from a block store, per peer. */
export class GraphsyncResponder {
  private readonly config: ResponderConfig
  private readonly peers = new Map<string, PeerResponder>()

  constructor (config: ResponderConfig) {
    this.config = config
  }

  /** Handles the requests of one received message from `peer`. */
  handleRequests (peer: string, openStream: OpenStream, requests: readonly GraphsyncRequest[]): void {
    const responder = this.peerResponder(peer, openStream)
    for (const request of requests) {
      const id = hex(request.id)
      if (request.type === 'new') {
        const task = this.validate(request)
        const rejection = typeof task === 'number' ? task : undefined
        const known = responder.state.responses.has(id)
        this.apply(responder, { type: 'request', id, rejection }, (state) => {
          if (!known && typeof task !== 'number' && state.responses.has(id)) responder.tasks.set(id, task)
        }, request.id)
      } else if (request.type === 'cancel') {
        this.apply(responder, { type: 'cancel', id }, (state) => { if (!state.responses.has(id)) responder.tasks.delete(id) }, request.id)
      } else {
        this.apply(responder, { type: 'update', id }, () => {}, request.id, request)
      }
    }
  }

  /** Stops every response to a peer that went away and forgets it. */
  peerGone (peer: string): void {
    const responder = this.peers.get(peer)
    if (responder === undefined) return
    this.apply(responder, { type: 'peer_gone' }, () => {}, new Uint8Array())
    responder.queue.close()
    this.peers.delete(peer)
  }

  /** Counters of one peer. */
  stats (peer: string): GraphsyncResponderStats {
    const responder = this.peers.get(peer)
    if (responder === undefined) return { inProgress: 0, queued: 0, bufferedBytes: 0, maxBufferedBytesSeen: 0, blocksSent: 0 }
    return {
      inProgress: inProgressCount(responder.state),
      queued: responder.state.queue.length,
      bufferedBytes: responder.queue.bufferedBytes,
      maxBufferedBytesSeen: responder.queue.maxBufferedBytesSeen,
      blocksSent: responder.blocksSent
    }
  }

  /** Stops everything. */
  stop (): void {
    for (const peer of [...this.peers.keys()]) this.peerGone(peer)
  }

  private peerResponder (peer: string, openStream: OpenStream): PeerResponder {
    let responder = this.peers.get(peer)
    if (responder === undefined) {
      const { maxInProgress, maxQueued, maxBufferedBytes, sendTimeoutMs, lingerMs, rateLimit, log } = this.config
      responder = {
        state: initialResponderPeerState({ maxInProgress, maxQueued }),
        queue: new PeerMessageQueue(openStream, { maxBufferedBytes, sendTimeoutMs, lingerMs, rateLimit, log }),
        tasks: new Map(),
        dedupGroups: new Map(),
        blocksSent: 0
      }
      this.peers.set(peer, responder)
    }
    return responder
  }

  /** A runnable task, or the rejection status of an invalid request. */
  private validate (request: GraphsyncRequest): Task | GraphsyncStatusCode {
    if (request.root === undefined || request.selector === undefined) return GraphsyncStatus.RequestRejected
    try {
      const selector = parseSelector(request.selector, {
        maxRecursionDepth: this.config.maxRecursionDepth,
        allowRecursionNone: this.config.allowRecursionNone
      })
      const known = readKnownExtensions(request.extensions)
      return {
        requestId: request.id,
        root: request.root,
        selector,
        controller: new AbortController(),
        doNotSend: new Set((known.doNotSendCids ?? []).map((cid) => cid.toString())),
        skipFirstBlocks: known.doNotSendFirstBlocks ?? 0,
        dedupKey: known.dedupByKey
      }
    } catch (err: unknown) {
      this.config.log('rejecting graphsync request - %e', err)
      return GraphsyncStatus.RequestRejected
    }
  }

  private apply (responder: PeerResponder, event: ResponseEvent, settle: (state: ResponderPeerState) => void, requestId: Uint8Array, update?: GraphsyncRequest): void {
    const step = responseTransition(responder.state, event)
    responder.state = step.state
    settle(step.state)
    for (const action of step.actions) this.execute(responder, action, requestId, update)
  }

  private execute (responder: PeerResponder, action: ResponseAction, requestId: Uint8Array, update?: GraphsyncRequest): void {
    switch (action.type) {
      case 'start': {
        const task = responder.tasks.get(action.id)
        if (task !== undefined) void this.run(responder, action.id, task)
        return
      }
      case 'stop':
        responder.tasks.get(action.id)?.controller.abort()
        return
      case 'apply_update': {
        const task = responder.tasks.get(action.id)
        if (task === undefined || update === undefined) return
        try {
          for (const cid of readKnownExtensions(update.extensions).doNotSendCids ?? []) task.doNotSend.add(cid.toString())
        } catch (err: unknown) {
          this.config.log('ignoring malformed graphsync update - %e', err)
        }
        return
      }
      case 'send_final':
        void this.sendFinal(responder, requestId, action.status)
        return
      case 'ignore':
        this.config.log('ignoring graphsync request %s: %s', action.id, action.reason)
    }
  }

  private async run (responder: PeerResponder, id: string, task: Task): Promise<void> {
    const group = task.dedupKey === undefined ? undefined : this.joinGroup(responder, task.dedupKey)
    try {
      const outcome = await runResponseWalk({
        requestId: task.requestId,
        root: task.root,
        selector: task.selector,
        store: this.config.store,
        queue: responder.queue,
        doNotSend: task.doNotSend,
        skipFirstBlocks: task.skipFirstBlocks,
        sent: group?.sent ?? new Set(),
        maxBlockBytesPerMessage: this.config.maxBlockBytesPerMessage,
        maxMessageBytes: this.config.maxMessageBytes,
        maxNodesVisited: this.config.maxNodesVisited,
        signal: task.controller.signal,
        onBlocked: (blocked) => { this.apply(responder, { type: blocked ? 'blocked' : 'unblocked', id }, () => {}, task.requestId) },
        onBlockSent: () => { responder.blocksSent++ }
      })
      if ('stopped' in outcome) this.config.log('graphsync response %s stopped - %s', id, outcome.stopped.message)
    } finally {
      if (group !== undefined && task.dedupKey !== undefined && --group.refs === 0) responder.dedupGroups.delete(task.dedupKey)
      responder.tasks.delete(id)
      this.apply(responder, { type: 'finished', id }, () => {}, task.requestId)
    }
  }

  private joinGroup (responder: PeerResponder, key: string): { sent: Set<string>, refs: number } {
    const group = responder.dedupGroups.get(key) ?? { sent: new Set<string>(), refs: 0 }
    group.refs++
    responder.dedupGroups.set(key, group)
    return group
  }

  private async sendFinal (responder: PeerResponder, requestId: Uint8Array, status: GraphsyncStatusCode): Promise<void> {
    try {
      await responder.queue.enqueue(frameMessage({ responses: [{ requestId, status, extensions: new Map() }] }, this.config.maxMessageBytes))
    } catch (err: unknown) {
      this.config.log('could not send graphsync status %d - %e', status, err)
    }
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
