// Proves the status table holds exactly the 14 codes of DESIGN.md §4.2 with their names, and that
// isTerminal / isSuccess / isError classify them as go-graphsync does (terminal from 20 up).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  GRAPHSYNC_STATUS_NAMES, GraphsyncStatus, isError, isGraphsyncStatus, isSuccess, isTerminal
} from '../../../../protocol/graphsync/message.js'
import { GRAPHSYNC_PROTOCOL_V2 } from '../../../../protocol/graphsync/constants.js'

describe('graphsync status table', () => {
  it('lists the DESIGN.md §4.2 codes and names', () => {
    assert.deepEqual([...GRAPHSYNC_STATUS_NAMES], [
      [10, 'acknowledged'], [11, 'additional peers'], [12, 'not enough gas'], [13, 'other protocol'],
      [14, 'partial response'], [15, 'paused'], [20, 'completed full'], [21, 'completed partial'],
      [30, 'rejected'], [31, 'failed busy'], [32, 'failed unknown'], [33, 'failed legal'],
      [34, 'content not found'], [35, 'cancelled']
    ])
    assert.deepEqual(Object.values(GraphsyncStatus), [...GRAPHSYNC_STATUS_NAMES.keys()])
    assert.equal(GraphsyncStatus.RequestFailedContentNotFound, 34)
    assert.equal(GRAPHSYNC_PROTOCOL_V2, '/ipfs/graphsync/2.0.0')
  })

  it('classifies statuses', () => {
    const classes = [...GRAPHSYNC_STATUS_NAMES.keys()].map((s) => [s, isTerminal(s), isSuccess(s), isError(s)])
    assert.deepEqual(classes, [
      [10, false, false, false], [11, false, false, false], [12, false, false, false], [13, false, false, false],
      [14, false, false, false], [15, false, false, false], [20, true, true, false], [21, true, true, false],
      [30, true, false, true], [31, true, false, true], [32, true, false, true], [33, true, false, true],
      [34, true, false, true], [35, true, false, true]
    ])
    assert.equal(isGraphsyncStatus(16), false)
    assert.equal(isGraphsyncStatus(35), true)
  })
})
