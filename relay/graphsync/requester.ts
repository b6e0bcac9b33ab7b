/**
 * The requester half of the graphsync service: starts requests (one message on a new stream, as
 * go-graphsync does), routes each received response to its run by request id — only from the
 * peer it was sent to — after pairing its metadata with the message's hashed blocks, and sends
 * cancels. Reading waits while a run's queue is full, which pauses the stream (backpressure).
 */
import { buildExtensions } from '../../protocol/graphsync/extensions.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import {
  DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_DEDUP_CACHE_BYTES, DEFAULT_MAX_EMPTY_RESPONSES, DEFAULT_MAX_REQUEST_BLOCKS,
  DEFAULT_MAX_REQUEST_BYTES, DEFAULT_REQUEST_TIMEOUT_MS
} from './constants.js'
import { DedupCache } from './dedup-cache.js'
import { RequestRun } from './request-run.js'
import { claimEntries, frameMessage, poolBlocks } from './wire.js'
import { DEFAULT_MAX_BLOCK_BYTES } from '../../protocol/block.js'
import type { GraphsyncMessage } from '../../protocol/graphsync/message.js'
import type { GraphsyncRequestOptions, GraphsyncRequestRun } from './types.js'
import type { Logger } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Sends one framed message to a peer on a new stream (resolves once written and closed). */
export type SendFrame = (peer: string, frame: Uint8Array | Uint8ArrayList) => Promise<void>

/** Resolved configuration of the requester. */
export interface RequesterConfig {
  send: SendFrame
  maxMessageBytes: number
  maxPendingBytes: number
  log: Logger
}

interface Group {
  readonly cache: DedupCache
  refs: number
}

/** Outgoing requests by request id (hex). */
export class GraphsyncRequester {
  private readonly config: RequesterConfig
  private readonly runs = new Map<string, { peer: string, run: RequestRun }>()
  private readonly groups = new Map<string, Group>()
  /** Cancels being sent, by request id (hex): settle once the responder has read them. */
  private readonly cancelling = new Map<string, Promise<void>>()

  constructor (config: RequesterConfig) {
    this.config = config
  }

  /** Starts a request; an aborted signal or an invalid selector throws here, before anything is sent. */
  request (peer: string, root: CID, selector: unknown, options: GraphsyncRequestOptions = {}): GraphsyncRequestRun {
    options.signal?.throwIfAborted()
    const parsed = parseSelector(selector, options.walkLimits)
    const id = crypto.getRandomValues(new Uint8Array(16))
    const key = hex(id)
    const extensions = buildExtensions({
      doNotSendCids: options.doNotSendCids === undefined ? undefined : [...options.doNotSendCids],
      doNotSendFirstBlocks: options.doNotSendFirstBlocks,
      dedupByKey: options.dedupByKey
    }, options.extensions)
    const frame = frameMessage({
      requests: [{ id, type: 'new', priority: options.priority ?? 0, root, selector, extensions }]
    }, this.config.maxMessageBytes)
    const groupKey = options.dedupByKey === undefined ? undefined : `${peer}/${options.dedupByKey}`
    const group = this.joinGroup(groupKey)
    const run = new RequestRun({
      id,
      root,
      selector: parsed,
      limits: {
        maxBlocks: options.maxBlocks ?? DEFAULT_MAX_REQUEST_BLOCKS,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_REQUEST_BYTES,
        maxEmptyResponses: options.maxEmptyResponses ?? DEFAULT_MAX_EMPTY_RESPONSES
      },
      maxBlockBytes: options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES,
      maxPendingBytes: this.config.maxPendingBytes,
      timeoutMs: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      signal: options.signal,
      localStore: options.localStore,
      seen: group.cache,
      walkLimits: options.walkLimits,
      sendCancel: () => { this.sendCancel(peer, id) },
      onDone: () => {
        this.runs.delete(key)
        if (groupKey !== undefined && --group.refs === 0) this.groups.delete(groupKey)
      }
    })
    if (!run.done) {
      this.runs.set(key, { peer, run })
      this.config.send(peer, frame).catch((err: unknown) => {
        this.config.log('could not send graphsync request to %s - %e', peer, err)
        run.fail(err instanceof Error ? err : new Error(String(err)))
      })
    }
    return run
  }

  /**
   * Routes the responses of a message from `peer`; resolves when their runs have room again. A
   * message only for requests whose cancel is still on its way resolves once the cancel arrived:
   * reading pauses meanwhile, so a responder cannot stream a whole ended response at full speed
   * before it learns of the cancel (measured: all 50 MiB of one, once graphsync got faster).
   */
  async handleResponses (peer: string, message: GraphsyncMessage): Promise<void> {
    const cancels: Array<Promise<void>> = []
    const targets = (message.responses ?? []).flatMap((response) => {
      const key = hex(response.requestId)
      const entry = this.runs.get(key)
      const cancel = this.cancelling.get(key)
      if (entry === undefined && cancel !== undefined) cancels.push(cancel)
      // a response from another peer than the one asked is ignored, never trusted
      return entry === undefined || entry.peer !== peer ? [] : [{ response, run: entry.run }]
    })
    if (targets.length === 0) {
      await Promise.all(cancels)
      return
    }
    let pool
    try {
      pool = poolBlocks(message, this.config.maxMessageBytes)
    } catch (err: unknown) {
      for (const { run } of targets) run.fail(err instanceof Error ? err : new Error(String(err)))
      return
    }
    for (const { response, run } of targets) {
      try {
        await run.accept(response.status, claimEntries(response, pool))
      } catch (err: unknown) {
        run.fail(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }

  /** Fails every request to `peer` (its stream broke, it sent garbage, or it disconnected). */
  failPeer (peer: string, error: Error): void {
    for (const { peer: target, run } of [...this.runs.values()]) if (target === peer) run.fail(error)
  }

  /** Fails every request. */
  stop (error: Error): void {
    for (const { run } of [...this.runs.values()]) run.fail(error)
  }

  /** Requests in flight (tests and metrics). */
  get size (): number {
    return this.runs.size
  }

  private sendCancel (peer: string, id: Uint8Array): void {
    const key = hex(id)
    const frame = frameMessage({ requests: [{ id, type: 'cancel', priority: 0, extensions: new Map() }] }, this.config.maxMessageBytes)
    const sent = this.config.send(peer, frame).catch((err: unknown) => {
      this.config.log('could not send graphsync cancel to %s - %e', peer, err)
    }).finally(() => { this.cancelling.delete(key) })
    this.cancelling.set(key, sent)
  }

  private joinGroup (key: string | undefined): Group {
    if (key === undefined) return { cache: new DedupCache(DEFAULT_MAX_DEDUP_CACHE_BYTES), refs: 1 }
    const group = this.groups.get(key) ?? { cache: new DedupCache(DEFAULT_MAX_DEDUP_CACHE_BYTES), refs: 0 }
    group.refs++
    this.groups.set(key, group)
    return group
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
