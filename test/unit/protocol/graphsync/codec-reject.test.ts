// Proves decodeGraphsyncMessage is strict: each malformed case fails with MalformedMessageError
// whose `field` names the offending field, and encodeGraphsyncMessage refuses values the schema
// cannot carry the same way.
import { describe, it } from 'node:test'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../../../protocol/graphsync/codec.js'
import { assertMalformed, cidOf, EXPLORE_ALL, requestId, wire } from './helpers.js'
import type { GraphsyncMessage } from '../../../../protocol/graphsync/message.js'

const id = requestId(1)

/** Decodes `gs2` wrapped as a message body; asserts the failure names `field`. */
function rejects (gs2: unknown, field: string): void {
  assertMalformed(() => decodeGraphsyncMessage(wire({ gs2 })), field)
}

describe('graphsync decode rejects malformed messages, naming the field', async () => {
  const root = await cidOf('root')
  const request = { id, type: 'n', root, sel: EXPLORE_ALL }
  const response = { reqid: id, stat: 20 }

  it('envelope: not a map, missing gs2, unknown top-level key, unknown message key', () => {
    assertMalformed(() => decodeGraphsyncMessage(wire([1, 2])), '')
    assertMalformed(() => decodeGraphsyncMessage(wire({})), 'gs2')
    assertMalformed(() => decodeGraphsyncMessage(wire({ gs2: {}, gs1: {} })), 'gs1')
    assertMalformed(() => decodeGraphsyncMessage(wire({ gs2: null })), 'gs2')
    rejects({ req: [], extra: 1 }, 'gs2.extra')
  })

  it('wrong kinds for the lists', () => {
    rejects({ req: {} }, 'gs2.req')
    rejects({ rsp: 'x' }, 'gs2.rsp')
    rejects({ blk: null }, 'gs2.blk')
    rejects({ req: [7] }, 'gs2.req[0]')
  })

  it('request ids must be 16 bytes', () => {
    rejects({ req: [{ ...request, id: new Uint8Array(15) }] }, 'gs2.req[0].id')
    rejects({ req: [{ ...request, id: new Uint8Array(17) }] }, 'gs2.req[0].id')
    rejects({ req: [{ ...request, id: 'abc' }] }, 'gs2.req[0].id')
    rejects({ rsp: [{ ...response, reqid: new Uint8Array(0) }] }, 'gs2.rsp[0].reqid')
  })

  it('required fields must be present', () => {
    rejects({ req: [{ type: 'n' }] }, 'gs2.req[0].id')
    rejects({ req: [{ id }] }, 'gs2.req[0].type')
    rejects({ rsp: [{ reqid: id }] }, 'gs2.rsp[0].stat')
    rejects({ rsp: [{ stat: 20 }] }, 'gs2.rsp[0].reqid')
  })

  it('unknown request types and keys', () => {
    rejects({ req: [{ ...request, type: 'r' }] }, 'gs2.req[0].type')
    rejects({ req: [{ ...request, type: 'new' }] }, 'gs2.req[0].type')
    rejects({ req: [{ ...request, type: 1 }] }, 'gs2.req[0].type')
    rejects({ req: [{ ...request, cancel: true }] }, 'gs2.req[0].cancel')
    rejects({ rsp: [{ ...response, Stat: 20 }] }, 'gs2.rsp[0].Stat')
  })

  it('priority must be an int32', () => {
    rejects({ req: [{ ...request, pri: '1' }] }, 'gs2.req[0].pri')
    rejects({ req: [{ ...request, pri: 1.5 }] }, 'gs2.req[0].pri')
    rejects({ req: [{ ...request, pri: 2 ** 31 }] }, 'gs2.req[0].pri')
    rejects({ req: [{ ...request, pri: null }] }, 'gs2.req[0].pri')
  })

  it('root must be a link, sel must not be null, ext must be a map', () => {
    rejects({ req: [{ ...request, root: root.bytes }] }, 'gs2.req[0].root')
    rejects({ req: [{ ...request, root: null }] }, 'gs2.req[0].root')
    rejects({ req: [{ ...request, sel: null }] }, 'gs2.req[0].sel')
    rejects({ req: [{ ...request, ext: [] }] }, 'gs2.req[0].ext')
    rejects({ rsp: [{ ...response, ext: 'x' }] }, 'gs2.rsp[0].ext')
  })

  it('status must be a known integer code', () => {
    rejects({ rsp: [{ ...response, stat: 14.5 }] }, 'gs2.rsp[0].stat')
    rejects({ rsp: [{ ...response, stat: '20' }] }, 'gs2.rsp[0].stat')
    rejects({ rsp: [{ ...response, stat: 16 }] }, 'gs2.rsp[0].stat')
    rejects({ rsp: [{ ...response, stat: -1 }] }, 'gs2.rsp[0].stat')
  })

  it('metadata entries are [link, action letter]', () => {
    rejects({ rsp: [{ ...response, meta: {} }] }, 'gs2.rsp[0].meta')
    rejects({ rsp: [{ ...response, meta: [[root]] }] }, 'gs2.rsp[0].meta[0]')
    rejects({ rsp: [{ ...response, meta: [[root, 'p', 1]] }] }, 'gs2.rsp[0].meta[0]')
    rejects({ rsp: [{ ...response, meta: [[root, 'p'], [root, 'x']] }] }, 'gs2.rsp[0].meta[1][1]')
    rejects({ rsp: [{ ...response, meta: [[root, 'present']] }] }, 'gs2.rsp[0].meta[0][1]')
    rejects({ rsp: [{ ...response, meta: [[root.toString(), 'p']] }] }, 'gs2.rsp[0].meta[0][0]')
  })

  it('blocks are [prefix bytes, data bytes] with a valid CID prefix', () => {
    const data = new Uint8Array([1, 2, 3])
    rejects({ blk: [{ prefix: new Uint8Array([1, 0x55, 0x12, 0x20]), data }] }, 'gs2.blk[0]')
    rejects({ blk: [[new Uint8Array([1, 0x55, 0x12, 0x20])]] }, 'gs2.blk[0]')
    rejects({ blk: [['01551220', data]] }, 'gs2.blk[0][0]')
    rejects({ blk: [[new Uint8Array([1, 0x55, 0x12, 0x20]), 'data']] }, 'gs2.blk[0][1]')
    rejects({ blk: [[new Uint8Array([2, 0x55, 0x12, 0x20]), data]] }, 'gs2.blk[0][0]')
    rejects({ blk: [[new Uint8Array([1, 0x55, 0x12]), data]] }, 'gs2.blk[0][0]')
    rejects({ blk: [[new Uint8Array([1, 0x55, 0x12, 0x20, 0]), data]] }, 'gs2.blk[0][0]')
    rejects({ blk: [[new Uint8Array([0, 0x71, 0x12, 0x20]), data]] }, 'gs2.blk[0][0]')
  })

  it('bytes that are not one canonical DAG-CBOR item', () => {
    const good = wire({ gs2: {} })
    for (const bad of [new Uint8Array(0), good.subarray(0, good.length - 1), Uint8Array.from([...good, 0])]) {
      assertMalformed(() => decodeGraphsyncMessage(bad), '')
    }
  })
})

describe('graphsync encode refuses values the schema cannot carry', async () => {
  const root = await cidOf('root')
  const encodeFails = (message: GraphsyncMessage, field: string): void => {
    assertMalformed(() => encodeGraphsyncMessage(message), field)
  }

  it('names the offending field', () => {
    encodeFails({ requests: [{ id: new Uint8Array(8), type: 'new', priority: 0, root, extensions: new Map() }] }, 'gs2.req[0].id')
    encodeFails({ requests: [{ id, type: 'restart' as never, priority: 0, extensions: new Map() }] }, 'gs2.req[0].type')
    encodeFails({ requests: [{ id, type: 'new', priority: 0.5, extensions: new Map() }] }, 'gs2.req[0].pri')
    encodeFails({ responses: [{ requestId: id, status: 99 as never, extensions: new Map() }] }, 'gs2.rsp[0].stat')
    encodeFails({ responses: [{ requestId: id, status: 20, metadata: [{ link: root, action: 'gone' as never }], extensions: new Map() }] }, 'gs2.rsp[0].meta[0][1]')
    encodeFails({ blocks: [{ prefix: new Uint8Array([9]), data: new Uint8Array() }] }, 'gs2.blk[0][0]')
    encodeFails({ requests: [{ id, type: 'new', priority: 0, selector: { a: undefined }, extensions: new Map() }] }, 'gs2')
  })
})
