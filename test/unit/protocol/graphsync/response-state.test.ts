// Proves the responder's pure per-peer scheduling: up to maxInProgress responses run, later ones
// queue in FIFO order (go-graphsync's peer task queue) and start as slots free, past maxQueued a
// request is refused busy (31); invalid requests get their rejection status; duplicates are
// ignored; cancel stops a running response (which keeps its slot until finished) or dequeues.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialResponderPeerState, inProgressCount, responseTransition } from '../../../../protocol/graphsync/response-state.js'
import type { ResponderPeerState, ResponseEvent, ResponseStep } from '../../../../protocol/graphsync/response-state.js'

function apply (state: ResponderPeerState, events: ResponseEvent[]): ResponseStep {
  let step: ResponseStep = { state, actions: [] }
  for (const event of events) step = responseTransition(step.state, event)
  return step
}

const requests = (ids: string[]): ResponseEvent[] => ids.map((id) => ({ type: 'request', id }))

describe('responseTransition', () => {
  const fresh = (): ResponderPeerState => initialResponderPeerState({ maxInProgress: 6, maxQueued: 2 })

  it('starts six and queues the seventh', () => {
    const six = apply(fresh(), requests(['a', 'b', 'c', 'd', 'e', 'f']))
    assert.equal(inProgressCount(six.state), 6)
    const seventh = responseTransition(six.state, { type: 'request', id: 'g' })
    assert.deepEqual(seventh.actions, [])
    assert.deepEqual(seventh.state.queue, ['g'])
    assert.equal(seventh.state.responses.get('g'), 'queued')
  })

  it('starts queued responses in FIFO order as slots free', () => {
    const full = apply(fresh(), requests(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']))
    const step = responseTransition(full.state, { type: 'finished', id: 'c' })
    assert.deepEqual(step.actions, [{ type: 'start', id: 'g' }])
    assert.deepEqual(step.state.queue, ['h'])
    assert.equal(step.state.responses.has('c'), false)
  })

  it('refuses busy (31) past maxQueued', () => {
    const full = apply(fresh(), requests(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']))
    assert.deepEqual(responseTransition(full.state, { type: 'request', id: 'i' }).actions, [{ type: 'send_final', id: 'i', status: 31 }])
  })

  it('answers a rejected request with its status and keeps no state', () => {
    const step = responseTransition(fresh(), { type: 'request', id: 'a', rejection: 30 })
    assert.deepEqual(step.actions, [{ type: 'send_final', id: 'a', status: 30 }])
    assert.equal(step.state.responses.size, 0)
  })

  it('ignores a duplicate request id', () => {
    const step = apply(fresh(), requests(['a', 'a']))
    assert.deepEqual(step.actions, [{ type: 'ignore', id: 'a', reason: 'duplicate' }])
  })

  it('cancel stops a running response, which keeps its slot until finished', () => {
    const six = apply(fresh(), requests(['a', 'b', 'c', 'd', 'e', 'f', 'g']))
    const cancelled = responseTransition(six.state, { type: 'cancel', id: 'a' })
    assert.deepEqual(cancelled.actions, [{ type: 'stop', id: 'a' }])
    assert.equal(inProgressCount(cancelled.state), 6)
    assert.deepEqual(responseTransition(cancelled.state, { type: 'finished', id: 'a' }).actions, [{ type: 'start', id: 'g' }])
  })

  it('cancel removes a queued response without starting it', () => {
    const step = apply(fresh(), [...requests(['a', 'b', 'c', 'd', 'e', 'f', 'g']), { type: 'cancel', id: 'g' }])
    assert.deepEqual(step.state.queue, [])
    assert.equal(step.state.responses.has('g'), false)
    assert.deepEqual(responseTransition(step.state, { type: 'finished', id: 'a' }).actions, [])
  })

  it('blocked and unblocked move a running response to paused and back', () => {
    const paused = apply(fresh(), [...requests(['a']), { type: 'blocked', id: 'a' }])
    assert.equal(paused.state.responses.get('a'), 'paused')
    assert.equal(responseTransition(paused.state, { type: 'unblocked', id: 'a' }).state.responses.get('a'), 'running')
  })

  it('update applies to a known response and is ignored for an unknown one', () => {
    const one = apply(fresh(), requests(['a']))
    assert.deepEqual(responseTransition(one.state, { type: 'update', id: 'a' }).actions, [{ type: 'apply_update', id: 'a' }])
    assert.deepEqual(responseTransition(one.state, { type: 'update', id: 'z' }).actions, [{ type: 'ignore', id: 'z', reason: 'unknown' }])
  })

  it('peer_gone stops running responses and drops queued ones', () => {
    const step = apply(fresh(), [...requests(['a', 'b', 'c', 'd', 'e', 'f', 'g']), { type: 'peer_gone' }])
    assert.equal(step.actions.length, 6)
    assert.ok(step.actions.every((action) => action.type === 'stop'))
    assert.deepEqual(step.state.queue, [])
    assert.equal(step.state.responses.has('g'), false)
  })
})
