// Proves the requester's pure lifecycle: responses move a request to receiving and a final
// status ends it (errors at once, successes once the walk is done); block limits, stalling
// interim responses and failures end it with typed errors and a cancel only while the responder
// is still working; an "exhausted" walk after a success status is an incomplete response.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialRequestState, requestTransition } from '../../../../protocol/graphsync/request-state.js'
import type { RequestEvent, RequestState, RequestStep } from '../../../../protocol/graphsync/request-state.js'

const limits = { maxBlocks: 3, maxBytes: 1000, maxEmptyResponses: 2 }

function run (events: RequestEvent[], state: RequestState = initialRequestState(limits)): RequestStep {
  let step: RequestStep = { state, actions: [] }
  for (const event of events) step = requestTransition(step.state, event)
  return step
}

describe('requestTransition', () => {
  it('starts as sent and becomes receiving on an interim response', () => {
    assert.equal(initialRequestState(limits).phase, 'sent')
    const { state, actions } = run([{ type: 'response', status: 14, metadataCount: 2 }])
    assert.equal(state.phase, 'receiving')
    assert.deepEqual(actions, [])
  })

  it('delivers blocks within limits and counts them', () => {
    const { state, actions } = run([{ type: 'block', sizeBytes: 100 }, { type: 'block', sizeBytes: 200 }])
    assert.deepEqual(actions, [{ type: 'deliver' }])
    assert.deepEqual([state.blocks, state.bytes], [2, 300])
  })

  it('fails past max blocks with GraphsyncLimitError and a cancel', () => {
    const { state, actions } = run([1, 2, 3, 4].map(() => ({ type: 'block', sizeBytes: 1 })))
    assert.equal(state.phase, 'terminal')
    assert.equal(actions[0].type, 'send_cancel')
    assert.equal(actions[1].type, 'fail')
    assert.equal(state.error?.name, 'GraphsyncLimitError')
    assert.equal((state.error as unknown as { limit: string }).limit, 'blocks')
    assert.equal(state.blocks, 3)
  })

  it('fails past max bytes', () => {
    const { state } = run([{ type: 'block', sizeBytes: 600 }, { type: 'block', sizeBytes: 600 }])
    assert.equal((state.error as unknown as { limit: string }).limit, 'bytes')
    assert.equal(state.bytes, 600)
  })

  it('waits for the walk after a success status, then finishes with it', () => {
    const waiting = run([{ type: 'response', status: 20, metadataCount: 3 }])
    assert.equal(waiting.state.phase, 'receiving')
    assert.deepEqual(waiting.actions, [])
    const done = requestTransition(waiting.state, { type: 'walk_done' })
    assert.deepEqual(done.actions, [{ type: 'finish', status: 20 }])
    assert.equal(done.state.status, 20)
  })

  it('finishes at once when the walk was done first', () => {
    const { actions } = run([{ type: 'walk_done' }, { type: 'response', status: 21, metadataCount: 0 }])
    assert.deepEqual(actions, [{ type: 'finish', status: 21 }])
  })

  it('finishes at once on an error status, without a cancel', () => {
    for (const status of [30, 31, 34, 35] as const) {
      const { state, actions } = run([{ type: 'response', status, metadataCount: 0 }])
      assert.deepEqual(actions, [{ type: 'finish', status }])
      assert.equal(state.phase, 'terminal')
    }
  })

  it('fails stalling interim responses past maxEmptyResponses; metadata resets the count', () => {
    const empty: RequestEvent = { type: 'response', status: 14, metadataCount: 0 }
    assert.equal(run([empty, empty, { type: 'response', status: 14, metadataCount: 1 }, empty, empty]).state.phase, 'receiving')
    const { state } = run([empty, empty, empty])
    assert.equal(state.error?.name, 'GraphsyncLimitError')
  })

  it('an exhausted walk after a success status is IncompleteResponseError, without a cancel', () => {
    const { state, actions } = run([{ type: 'response', status: 20, metadataCount: 1 }, { type: 'exhausted', cid: 'bafyx' }])
    assert.equal(state.error?.name, 'IncompleteResponseError')
    assert.deepEqual(actions.map((action) => action.type), ['fail'])
  })

  it('a failure while the responder works sends a cancel; after its final status it does not', () => {
    const error = new Error('x')
    assert.deepEqual(run([{ type: 'fail', error }]).actions, [{ type: 'send_cancel' }, { type: 'fail', error }])
    const after = run([{ type: 'response', status: 20, metadataCount: 1 }, { type: 'fail', error }])
    assert.deepEqual(after.actions, [{ type: 'fail', error }])
  })

  it('ignores every event once terminal', () => {
    const ended = run([{ type: 'response', status: 34, metadataCount: 0 }])
    for (const event of [{ type: 'block', sizeBytes: 1 }, { type: 'fail', error: new Error('late') }, { type: 'walk_done' }] as RequestEvent[]) {
      const step = requestTransition(ended.state, event)
      assert.equal(step.state, ended.state)
      assert.deepEqual(step.actions, [])
    }
  })
})
