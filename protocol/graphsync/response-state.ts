/**
 * The responder's scheduling of one peer's graphsync requests as a pure state function ("push ifs
 * up"): `queued → running ⇄ paused → (cancelled) → gone`. At most `maxInProgress` responses run
 * per peer (go-graphsync's default 6); later ones wait in FIFO order, as in go-graphsync's peer
 * task queue, and only past `maxQueued` is a request refused busy (31). Responses are keyed by the
 * request id in hex; the service executes the actions.
 */
import { GraphsyncStatus } from './message.js'
import type { GraphsyncStatusCode } from './message.js'

/** Where one response is. `paused`: waiting for the peer's send buffer to drain. */
export type ResponsePhase = 'queued' | 'running' | 'paused' | 'cancelled'

/** Per-peer limits of the responder. */
export interface ResponderLimits {
  /** Most responses traversing at once for this peer. */
  readonly maxInProgress: number
  /** Most responses waiting for a slot; one more is refused busy. */
  readonly maxQueued: number
}

/** One peer's responses. */
export interface ResponderPeerState {
  readonly limits: ResponderLimits
  readonly responses: ReadonlyMap<string, ResponsePhase>
  /** Queued ids, oldest first. */
  readonly queue: readonly string[]
}

/** What happened. `rejection` is set when the request failed validation (a 3x status). */
export type ResponseEvent =
  | { readonly type: 'request', readonly id: string, readonly rejection?: GraphsyncStatusCode }
  | { readonly type: 'cancel', readonly id: string }
  | { readonly type: 'update', readonly id: string }
  | { readonly type: 'blocked', readonly id: string }
  | { readonly type: 'unblocked', readonly id: string }
  | { readonly type: 'finished', readonly id: string }
  | { readonly type: 'peer_gone' }

/** What the service must do. */
export type ResponseAction =
  | { readonly type: 'start', readonly id: string }
  | { readonly type: 'stop', readonly id: string }
  | { readonly type: 'apply_update', readonly id: string }
  | { readonly type: 'send_final', readonly id: string, readonly status: GraphsyncStatusCode }
  | { readonly type: 'ignore', readonly id: string, readonly reason: 'duplicate' | 'unknown' }

/** A transition's result. */
export interface ResponseStep {
  readonly state: ResponderPeerState
  readonly actions: readonly ResponseAction[]
}

/** A peer with no responses. */
export function initialResponderPeerState (limits: ResponderLimits): ResponderPeerState {
  return { limits, responses: new Map(), queue: [] }
}

/** Responses holding a slot: running, paused, or cancelled but not yet stopped. */
export function inProgressCount (state: ResponderPeerState): number {
  let count = 0
  for (const phase of state.responses.values()) if (phase !== 'queued') count++
  return count
}

/** Applies `event` to one peer's state. */
export function responseTransition (state: ResponderPeerState, event: ResponseEvent): ResponseStep {
  switch (event.type) {
    case 'request': return onRequest(state, event.id, event.rejection)
    case 'cancel': return onCancel(state, event.id)
    case 'update': {
      const phase = state.responses.get(event.id)
      if (phase === undefined || phase === 'cancelled') return ignore(state, event.id, 'unknown')
      return { state, actions: [{ type: 'apply_update', id: event.id }] }
    }
    case 'blocked': return move(state, event.id, 'running', 'paused')
    case 'unblocked': return move(state, event.id, 'paused', 'running')
    case 'finished': return onFinished(state, event.id)
    case 'peer_gone': {
      const actions: ResponseAction[] = []
      for (const [id, phase] of state.responses) if (phase === 'running' || phase === 'paused') actions.push({ type: 'stop', id })
      const responses = new Map([...state.responses].filter(([, phase]) => phase !== 'queued').map(([id]) => [id, 'cancelled' as const]))
      return { state: { ...state, responses, queue: [] }, actions }
    }
  }
}

function onRequest (state: ResponderPeerState, id: string, rejection: GraphsyncStatusCode | undefined): ResponseStep {
  // go-graphsync ignores a new request whose id is already in progress for this peer
  if (state.responses.has(id)) return ignore(state, id, 'duplicate')
  if (rejection !== undefined) return { state, actions: [{ type: 'send_final', id, status: rejection }] }
  if (inProgressCount(state) < state.limits.maxInProgress) {
    return { state: { ...state, responses: withPhase(state.responses, id, 'running') }, actions: [{ type: 'start', id }] }
  }
  if (state.queue.length >= state.limits.maxQueued) {
    return { state, actions: [{ type: 'send_final', id, status: GraphsyncStatus.RequestFailedBusy }] }
  }
  return { state: { ...state, responses: withPhase(state.responses, id, 'queued'), queue: [...state.queue, id] }, actions: [] }
}

function onCancel (state: ResponderPeerState, id: string): ResponseStep {
  const phase = state.responses.get(id)
  if (phase === undefined || phase === 'cancelled') return ignore(state, id, 'unknown')
  if (phase === 'queued') {
    const responses = new Map(state.responses)
    responses.delete(id)
    return { state: { ...state, responses, queue: state.queue.filter((queued) => queued !== id) }, actions: [] }
  }
  // a cancelled response keeps its slot until its traversal has actually stopped ('finished')
  return { state: { ...state, responses: withPhase(state.responses, id, 'cancelled') }, actions: [{ type: 'stop', id }] }
}

function onFinished (state: ResponderPeerState, id: string): ResponseStep {
  const phase = state.responses.get(id)
  if (phase === undefined || phase === 'queued') return ignore(state, id, 'unknown')
  const responses = new Map(state.responses)
  responses.delete(id)
  let next: ResponderPeerState = { ...state, responses }
  const actions: ResponseAction[] = []
  while (next.queue.length > 0 && inProgressCount(next) < next.limits.maxInProgress) {
    const [head, ...rest] = next.queue
    next = { ...next, responses: withPhase(next.responses, head, 'running'), queue: rest }
    actions.push({ type: 'start', id: head })
  }
  return { state: next, actions }
}

function move (state: ResponderPeerState, id: string, from: ResponsePhase, to: ResponsePhase): ResponseStep {
  if (state.responses.get(id) !== from) return { state, actions: [] }
  return { state: { ...state, responses: withPhase(state.responses, id, to) }, actions: [] }
}

function ignore (state: ResponderPeerState, id: string, reason: 'duplicate' | 'unknown'): ResponseStep {
  return { state, actions: [{ type: 'ignore', id, reason }] }
}

function withPhase (responses: ReadonlyMap<string, ResponsePhase>, id: string, phase: ResponsePhase): Map<string, ResponsePhase> {
  const next = new Map(responses)
  next.set(id, phase)
  return next
}
