/**
 * Proves transfer records round-trip with the status as its wire code, re-encode to the same
 * bytes, are decoded strictly with the field named, and give the 8-byte big-endian log key.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { syncOutcomeCode } from '../../../protocol/status.js'
import {
  decodeTransferRecord, encodeTransferRecord, selectorCid, transferLogKey, transferRecordFromNode, transferRecordToNode
} from '../../../protocol/transfer-record.js'
import { RECORD, SELECTOR } from './messages-fixtures.js'

function decodeWith (patch: Record<string, unknown>): unknown {
  return decodeTransferRecord(dagCbor.encode({ ...transferRecordToNode(RECORD), ...patch }))
}

describe('transfer-record', () => {
  it('round-trips, with the status as its wire code on the wire', () => {
    const bytes = encodeTransferRecord(RECORD)
    assert.deepEqual(decodeTransferRecord(bytes), RECORD)
    assert.equal((dagCbor.decode(bytes) as { status: unknown }).status, syncOutcomeCode('completed'))
    assert.deepEqual(transferRecordFromNode(transferRecordToNode({ ...RECORD, root: null, status: 'requester_gone' })).status, 'requester_gone')
  })

  it('names the field of every bad value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ status: 99 }, 'status'],
      [{ status: 'completed' }, 'status'],
      [{ requestId: new Uint8Array(15) }, 'requestId'],
      [{ payer: new Uint8Array(20 + 1) }, 'payer'],
      [{ selector: null }, 'selector'],
      [{ charge: -1 }, 'charge'],
      [{ seq: 1.5 }, 'seq'],
      [{ freeBytes: RECORD.bytes + 1 }, 'freeBytes'],
      [{ endMs: RECORD.startMs - 1 }, 'endMs'],
      [{ extra: 0 }, 'extra']
    ]
    for (const [patch, field] of cases) {
      assert.throws(() => decodeWith(patch), { name: 'MalformedMessageError', field }, field)
    }
    assert.throws(() => transferRecordFromNode({}, 'receipt.record'), { name: 'MalformedMessageError', field: 'receipt.record.seq' })
    assert.throws(() => encodeTransferRecord({ ...RECORD, status: 'weird' as 'limit' }), { name: 'MalformedMessageError', field: 'status' })
  })

  it('keys the log by 8-byte big-endian seq and names selectors by a dag-cbor sha2-256 CID', () => {
    assert.deepEqual([...transferLogKey(0)], [0, 0, 0, 0, 0, 0, 0, 0])
    assert.deepEqual([...transferLogKey(0x0102030405)], [0, 0, 0, 1, 2, 3, 4, 5])
    assert.throws(() => transferLogKey(-1), { name: 'RangeError' })
    const cid = selectorCid(SELECTOR)
    assert.equal(cid.code, 0x71)
    assert.equal(cid.multihash.code, 0x12)
    assert.ok(cid.equals(selectorCid(structuredClone(SELECTOR))))
  })
})
