/**
 * The requester's lifecycle of one graphsync request as a pure state function ("push ifs up"):
 * events in (a response arrived, a block was verified, the walk ended, a timer fired), the next
 * state and the actions for the service to execute out. `sent → receiving → terminal`; a request
 * whose walk is done waits in `receiving` for the responder's final status.
 */
import { GraphsyncLimitError, IncompleteResponseError } from '../errors.js'
import { isError, isTerminal } from './message.js'
import type { GraphsyncStatusCode } from './message.js'

/** Where a request is. */
export type RequestPhase = 'sent' | 'receiving' | 'terminal'

/** Limits of one request; every one is a count the requester enforces before delivering. */
export interface RequestLimits {
  /** Most blocks delivered. */
  readonly maxBlocks: number
  /** Most block bytes delivered. */
  readonly maxBytes: number
  /** Most consecutive non-final responses that carry no metadata (a responder stalling). */
  readonly maxEmptyResponses: number
}

/** The state of one request. */
export interface RequestState {
  readonly phase: RequestPhase
  readonly limits: RequestLimits
  /** The responder's final status, once received. */
  readonly remoteStatus?: GraphsyncStatusCode
  /** Whether the local selector walk has visited everything it can. */
  readonly walkDone: boolean
  readonly blocks: number
  readonly bytes: number
  /** Links the responder declared missing (`m`). */
  readonly missing: number
  readonly emptyResponses: number
  /** Set once terminal: the status the request ended with (ours or the responder's). */
  readonly status?: GraphsyncStatusCode
  /** Set once terminal when it ended with an error. */
  readonly error?: Error
}

/** What happened to a request. */
export type RequestEvent =
  | { readonly type: 'response', readonly status: GraphsyncStatusCode, readonly metadataCount: number }
  | { readonly type: 'block', readonly sizeBytes: number }
  | { readonly type: 'missing' }
  | { readonly type: 'walk_done' }
  /** The walk needs a link and the responder's queue is empty after its final status. */
  | { readonly type: 'exhausted', readonly cid: string }
  /** A protocol violation, a timeout, an abort or a transport failure, already typed. */
  | { readonly type: 'fail', readonly error: Error }

/** What the service must do. */
export type RequestAction =
  | { readonly type: 'deliver' }
  | { readonly type: 'send_cancel' }
  | { readonly type: 'finish', readonly status: GraphsyncStatusCode }
  | { readonly type: 'fail', readonly error: Error }

/** A transition's result. */
export interface RequestStep {
  readonly state: RequestState
  readonly actions: readonly RequestAction[]
}

/** The state of a request just sent. */
export function initialRequestState (limits: RequestLimits): RequestState {
  return { phase: 'sent', limits, walkDone: false, blocks: 0, bytes: 0, missing: 0, emptyResponses: 0 }
}

/** Applies `event` to `state`; a terminal request ignores everything. */
export function requestTransition (state: RequestState, event: RequestEvent): RequestStep {
  if (state.phase === 'terminal') return { state, actions: [] }
  switch (event.type) {
    case 'response': return onResponse(state, event.status, event.metadataCount)
    case 'block': return onBlock(state, event.sizeBytes)
    case 'missing': return { state: { ...state, missing: state.missing + 1 }, actions: [] }
    case 'walk_done': {
      const next = { ...state, walkDone: true }
      return next.remoteStatus === undefined ? { state: next, actions: [] } : finish(next, next.remoteStatus)
    }
    case 'exhausted':
      // the responder said it was done, yet the walk still needs a block: not a complete answer
      if (state.remoteStatus !== undefined && !isError(state.remoteStatus)) {
        return fail(state, new IncompleteResponseError(state.remoteStatus, event.cid))
      }
      return state.remoteStatus === undefined ? { state, actions: [] } : finish(state, state.remoteStatus)
    case 'fail': return fail(state, event.error)
  }
}

function onResponse (state: RequestState, status: GraphsyncStatusCode, metadataCount: number): RequestStep {
  const emptyResponses = metadataCount === 0 && !isTerminal(status) ? state.emptyResponses + 1 : 0
  const next: RequestState = { ...state, phase: 'receiving', emptyResponses }
  if (emptyResponses > state.limits.maxEmptyResponses) {
    return fail(next, new GraphsyncLimitError('empty_responses', state.limits.maxEmptyResponses))
  }
  if (!isTerminal(status)) return { state: next, actions: [] }
  const done = { ...next, remoteStatus: status }
  // an error status ends the request at once; a success waits for the walk to use what came with it
  if (isError(status) || done.walkDone) return finish(done, status)
  return { state: done, actions: [] }
}

function onBlock (state: RequestState, sizeBytes: number): RequestStep {
  if (state.blocks + 1 > state.limits.maxBlocks) return fail(state, new GraphsyncLimitError('blocks', state.limits.maxBlocks))
  if (state.bytes + sizeBytes > state.limits.maxBytes) return fail(state, new GraphsyncLimitError('bytes', state.limits.maxBytes))
  return { state: { ...state, blocks: state.blocks + 1, bytes: state.bytes + sizeBytes }, actions: [{ type: 'deliver' }] }
}

function finish (state: RequestState, status: GraphsyncStatusCode): RequestStep {
  return { state: { ...state, phase: 'terminal', status }, actions: [{ type: 'finish', status }] }
}

function fail (state: RequestState, error: Error): RequestStep {
  const actions: RequestAction[] = []
  // the responder is still working on it unless it already sent a final status
  if (state.remoteStatus === undefined) actions.push({ type: 'send_cancel' })
  actions.push({ type: 'fail', error })
  return { state: { ...state, phase: 'terminal', error }, actions }
}
