/**
 * Graphsync v2 wire codec (DESIGN.md §4.2, §6): `encodeGraphsyncMessage` / `decodeGraphsyncMessage`
 * over the DAG-CBOR body, without the length prefix (framing lives in relay/).
 *
 * Written from go-graphsync's `message/ipldbind/schema.ipldsch`: a keyed union `{"gs2": message}`;
 * request `{id, type, pri?, root?, sel?, ext?}`; response `{reqid, stat, meta?, ext?}`; metadata
 * entries `[link, action]`; blocks `[prefix, data]`. Like go-graphsync's writer, the encoder omits
 * empty lists, empty extensions, empty metadata and a zero priority, never writing null, so it
 * re-produces the bytes of any message a go peer writes. The decoder is strict (unknown keys,
 * wrong kinds, bad ids, unknown enums all fail with MalformedMessageError naming the field) and
 * tolerant where real peers differ: `pri: 0`, empty lists or maps, unknown extensions.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { decodeDagCborBounded } from '../dag-cbor-bounded.js'
import { MalformedMessageError } from '../errors.js'
import { parseCidPrefix } from './block-prefix.js'
import {
  DEFAULT_GRAPHSYNC_MAX_CBOR_DEPTH, DEFAULT_GRAPHSYNC_MAX_CBOR_ITEMS, DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES,
  GRAPHSYNC_REQUEST_ID_BYTES
} from './constants.js'
import { isGraphsyncStatus } from './message.js'
import { expectBytes, expectInt32, expectLink, expectList, expectMap, expectString, expectTuple, join } from './shape.js'
import type {
  GraphsyncBlock, GraphsyncExtensions, GraphsyncLinkAction, GraphsyncLinkMetadatum, GraphsyncMessage,
  GraphsyncRequest, GraphsyncRequestType, GraphsyncResponse
} from './message.js'

/** Limits of one decode; each defaults to the DEFAULT_GRAPHSYNC_* constant of the same meaning. */
export interface GraphsyncDecodeLimits {
  /** Largest message body, in bytes. @default DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES */
  maxMessageBytes: number
  /** Deepest CBOR nesting. @default DEFAULT_GRAPHSYNC_MAX_CBOR_DEPTH */
  maxDepth: number
  /** Most CBOR items. @default DEFAULT_GRAPHSYNC_MAX_CBOR_ITEMS */
  maxItems: number
  /** Decode block bytes as views of a Buffer input (see CborLimits.shareInputBytes). @default false */
  shareInputBytes: boolean
}

const REQUEST_TYPES: ReadonlyMap<string, GraphsyncRequestType> = new Map([['n', 'new'], ['c', 'cancel'], ['u', 'update']])
const LINK_ACTIONS: ReadonlyMap<string, GraphsyncLinkAction> = new Map([
  ['p', 'present'], ['d', 'duplicateNotSent'], ['m', 'missing'], ['s', 'duplicateDagSkipped']
])
const REQUEST_LETTERS = invert(REQUEST_TYPES)
const ACTION_LETTERS = invert(LINK_ACTIONS)

const ROOT_KEYS = ['gs2']
const MESSAGE_KEYS = ['req', 'rsp', 'blk']
const REQUEST_KEYS = ['id', 'type', 'pri', 'root', 'sel', 'ext']
const RESPONSE_KEYS = ['reqid', 'stat', 'meta', 'ext']

/** Encodes a message as its canonical DAG-CBOR body; a value the schema cannot carry is MalformedMessageError. */
export function encodeGraphsyncMessage (message: GraphsyncMessage): Uint8Array {
  const body: Record<string, unknown> = {}
  if (message.requests !== undefined && message.requests.length > 0) {
    body.req = message.requests.map((request, i) => requestToWire(request, `gs2.req[${i}]`))
  }
  if (message.responses !== undefined && message.responses.length > 0) {
    body.rsp = message.responses.map((response, i) => responseToWire(response, `gs2.rsp[${i}]`))
  }
  if (message.blocks !== undefined && message.blocks.length > 0) {
    body.blk = message.blocks.map((block, i) => {
      parseCidPrefix(expectBytes(block.prefix, `gs2.blk[${i}][0]`), `gs2.blk[${i}][0]`)
      return [block.prefix, expectBytes(block.data, `gs2.blk[${i}][1]`)]
    })
  }
  try {
    return dagCbor.encode({ gs2: body })
  } catch (err: unknown) {
    throw new MalformedMessageError('gs2', `not encodable as DAG-CBOR: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Decodes a DAG-CBOR body (no length prefix) within `limits`; any defect is MalformedMessageError. */
export function decodeGraphsyncMessage (bytes: Uint8Array, limits: Partial<GraphsyncDecodeLimits> = {}): GraphsyncMessage {
  const root = decodeDagCborBounded(bytes, {
    maxBytes: limits.maxMessageBytes ?? DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES,
    maxDepth: limits.maxDepth ?? DEFAULT_GRAPHSYNC_MAX_CBOR_DEPTH,
    maxItems: limits.maxItems ?? DEFAULT_GRAPHSYNC_MAX_CBOR_ITEMS,
    shareInputBytes: limits.shareInputBytes ?? false
  })
  const union = expectMap(root, '', ROOT_KEYS)
  if (!Object.hasOwn(union, 'gs2')) throw new MalformedMessageError('gs2', 'missing gs2 message')
  const body = expectMap(union.gs2, 'gs2', MESSAGE_KEYS)
  const message: GraphsyncMessage = {}
  if (body.req !== undefined) {
    message.requests = expectList(body.req, 'gs2.req').map((value, i) => requestFromWire(value, `gs2.req[${i}]`))
  }
  if (body.rsp !== undefined) {
    message.responses = expectList(body.rsp, 'gs2.rsp').map((value, i) => responseFromWire(value, `gs2.rsp[${i}]`))
  }
  if (body.blk !== undefined) {
    message.blocks = expectList(body.blk, 'gs2.blk').map((value, i) => blockFromWire(value, `gs2.blk[${i}]`))
  }
  return message
}

function requestToWire (request: GraphsyncRequest, field: string): Record<string, unknown> {
  expectBytes(request.id, join(field, 'id'), GRAPHSYNC_REQUEST_ID_BYTES)
  const letter = REQUEST_LETTERS.get(request.type)
  if (letter === undefined) throw new MalformedMessageError(join(field, 'type'), `unknown request type ${String(request.type)}`)
  const wire: Record<string, unknown> = { id: request.id, type: letter }
  if (expectInt32(request.priority, join(field, 'pri')) !== 0) wire.pri = request.priority
  if (request.root !== undefined) wire.root = expectLink(request.root, join(field, 'root'))
  if (request.selector !== undefined) wire.sel = request.selector
  if (request.extensions.size > 0) wire.ext = extensionsToWire(request.extensions)
  return wire
}

function responseToWire (response: GraphsyncResponse, field: string): Record<string, unknown> {
  expectBytes(response.requestId, join(field, 'reqid'), GRAPHSYNC_REQUEST_ID_BYTES)
  if (!isGraphsyncStatus(response.status)) throw new MalformedMessageError(join(field, 'stat'), `unknown status ${String(response.status)}`)
  const wire: Record<string, unknown> = { reqid: response.requestId, stat: response.status }
  if (response.metadata !== undefined && response.metadata.length > 0) {
    wire.meta = response.metadata.map(({ link, action }, i) => {
      const letter = ACTION_LETTERS.get(action)
      if (letter === undefined) throw new MalformedMessageError(`${field}.meta[${i}][1]`, `unknown link action ${String(action)}`)
      return [link, letter]
    })
  }
  if (response.extensions.size > 0) wire.ext = extensionsToWire(response.extensions)
  return wire
}

// Object.fromEntries defines own properties, so an extension named "__proto__" stays a plain key
function extensionsToWire (extensions: GraphsyncExtensions): Record<string, unknown> {
  return Object.fromEntries(extensions)
}

function requestFromWire (value: unknown, field: string): GraphsyncRequest {
  const wire = expectMap(value, field, REQUEST_KEYS)
  const id = expectBytes(required(wire, 'id', field), join(field, 'id'), GRAPHSYNC_REQUEST_ID_BYTES)
  const letter = expectString(required(wire, 'type', field), join(field, 'type'))
  const type = REQUEST_TYPES.get(letter)
  if (type === undefined) throw new MalformedMessageError(join(field, 'type'), `unknown request type ${JSON.stringify(letter)}`)
  const request: GraphsyncRequest = {
    id,
    type,
    priority: wire.pri === undefined ? 0 : expectInt32(wire.pri, join(field, 'pri')),
    extensions: extensionsFromWire(wire.ext, join(field, 'ext'))
  }
  if (wire.root !== undefined) request.root = expectLink(wire.root, join(field, 'root'))
  if (wire.sel !== undefined) {
    if (wire.sel === null) throw new MalformedMessageError(join(field, 'sel'), 'optional field is null (omit it instead)')
    request.selector = wire.sel
  }
  return request
}

function responseFromWire (value: unknown, field: string): GraphsyncResponse {
  const wire = expectMap(value, field, RESPONSE_KEYS)
  const requestId = expectBytes(required(wire, 'reqid', field), join(field, 'reqid'), GRAPHSYNC_REQUEST_ID_BYTES)
  const status = expectInt32(required(wire, 'stat', field), join(field, 'stat'))
  if (!isGraphsyncStatus(status)) throw new MalformedMessageError(join(field, 'stat'), `unknown status ${status}`)
  const response: GraphsyncResponse = { requestId, status, extensions: extensionsFromWire(wire.ext, join(field, 'ext')) }
  if (wire.meta !== undefined) {
    response.metadata = expectList(wire.meta, join(field, 'meta')).map((entry, i) => metadatumFromWire(entry, `${field}.meta[${i}]`))
  }
  return response
}

function metadatumFromWire (value: unknown, field: string): GraphsyncLinkMetadatum {
  const [link, letter] = expectTuple(value, field, 2)
  const action = LINK_ACTIONS.get(expectString(letter, `${field}[1]`))
  if (action === undefined) throw new MalformedMessageError(`${field}[1]`, `unknown link action ${JSON.stringify(letter)}`)
  return { link: expectLink(link, `${field}[0]`), action }
}

function blockFromWire (value: unknown, field: string): GraphsyncBlock {
  const [prefix, data] = expectTuple(value, field, 2)
  const block = { prefix: expectBytes(prefix, `${field}[0]`), data: expectBytes(data, `${field}[1]`) }
  parseCidPrefix(block.prefix, `${field}[0]`)
  return block
}

// the schema's values are `nullable Any`: any IPLD value, null included, is carried as is
function extensionsFromWire (value: unknown, field: string): GraphsyncExtensions {
  if (value === undefined) return new Map()
  return new Map(Object.entries(expectMap(value, field)))
}

function required (wire: Record<string, unknown>, key: string, field: string): unknown {
  if (!Object.hasOwn(wire, key)) throw new MalformedMessageError(join(field, key), 'missing required field')
  return wire[key]
}

function invert<K, V> (map: ReadonlyMap<K, V>): ReadonlyMap<V, K> {
  return new Map([...map].map(([k, v]) => [v, k]))
}
