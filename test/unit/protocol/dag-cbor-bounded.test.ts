// Proves the bounded DAG-CBOR decoder rejects hostile input (deep, wide, lying lengths, trailing
// bytes, unsorted keys, foreign tags) with MalformedMessageError, cheaply, and decodes good input
// exactly as @ipld/dag-cbor does.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { decodeDagCborBounded, scanDagCbor } from '../../../protocol/dag-cbor-bounded.js'

/** Runs `fn`, which must throw MalformedMessageError; returns CPU ms spent and RSS growth in bytes. */
function measureRejection (fn: () => unknown, message: RegExp = /./): { cpuMs: number, rssGrowthBytes: number } {
  const rssBefore = process.memoryUsage().rss
  const cpuBefore = process.cpuUsage()
  assert.throws(fn, { name: 'MalformedMessageError', message })
  const cpu = process.cpuUsage(cpuBefore)
  return { cpuMs: (cpu.user + cpu.system) / 1000, rssGrowthBytes: process.memoryUsage().rss - rssBefore }
}

const MiB = 1024 * 1024

describe('decodeDagCborBounded', () => {
  it('decodes valid DAG-CBOR exactly like @ipld/dag-cbor', () => {
    const cid = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    const value = { a: 1, bb: [true, null, 'x', new Uint8Array([1, 2])], link: cid, n: -5, f: 1.5, big: 2n ** 63n }
    const bytes = dagCbor.encode(value)
    assert.deepEqual(decodeDagCborBounded(bytes), dagCbor.decode(bytes))
  })

  it('rejects 10,000-deep nesting before the recursive decoder sees it', () => {
    const bytes = new Uint8Array(10_001).fill(0x81) // [[[[…]]]]
    bytes[10_000] = 0x00
    const { cpuMs, rssGrowthBytes } = measureRejection(() => decodeDagCborBounded(bytes))
    assert.ok(cpuMs < 50, `took ${cpuMs} ms of CPU`)
    assert.ok(rssGrowthBytes < 32 * MiB, `grew RSS by ${rssGrowthBytes}`)
  })

  it('rejects a 4 MiB frame of empty maps at the default item limit, cheaply', () => {
    const bytes = new Uint8Array(4 * MiB - 16).fill(0xa0)
    bytes.set([0x9a, 0x00, 0x3f, 0xff, 0xeb], 0) // an honest array of 4,194,283 empty maps
    // the least CPU of three identical rejections: the scan's own cost, without scheduler noise
    const runs = [0, 1, 2].map(() => measureRejection(() => decodeDagCborBounded(bytes, { maxBytes: 4 * MiB }), /more than 1000000 items/))
    const cpuMs = Math.min(...runs.map((r) => r.cpuMs))
    const rssGrowthBytes = Math.max(...runs.map((r) => r.rssGrowthBytes))
    assert.ok(cpuMs < 50, `took ${cpuMs} ms of CPU`)
    assert.ok(rssGrowthBytes < 32 * MiB, `grew RSS by ${rssGrowthBytes}`)
  })

  it('rejects containers and byte strings that declare more than the bytes left', () => {
    const lyingArray = new Uint8Array([0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x00]) // array of 2^32 items
    const lyingMap = new Uint8Array([0xba, 0x7f, 0xff, 0xff, 0xff, 0x61, 0x61, 0x01]) // map of 2^31-1
    const lyingBytes = new Uint8Array([0x5a, 0x7f, 0xff, 0xff, 0xff, 0x00]) // bytes of 2 GiB
    for (const bytes of [lyingArray, lyingMap, lyingBytes]) {
      const { cpuMs, rssGrowthBytes } = measureRejection(() => decodeDagCborBounded(bytes))
      assert.ok(cpuMs < 50, `took ${cpuMs} ms of CPU`)
      assert.ok(rssGrowthBytes < 32 * MiB, `grew RSS by ${rssGrowthBytes}`)
    }
  })

  it('rejects input over maxBytes without reading it', () => {
    assert.throws(() => decodeDagCborBounded(new Uint8Array(101), { maxBytes: 100 }), { name: 'MalformedMessageError', message: /exceeds 100/ })
  })

  it('rejects empty input, truncated input and trailing bytes', () => {
    assert.throws(() => decodeDagCborBounded(new Uint8Array()), { name: 'MalformedMessageError' })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0x82, 0x01])), { name: 'MalformedMessageError', message: /entries with 1 bytes left/ })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0x82, 0x81, 0x01])), { name: 'MalformedMessageError', message: /truncated/ })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0x01, 0x02])), { name: 'MalformedMessageError', message: /trailing/ })
  })

  it('rejects unsorted and duplicate map keys, and non-string keys', () => {
    // {"b":1,"a":2}: same length, wrong byte order
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02])), { name: 'MalformedMessageError', field: 'a' })
    // {"aa":1,"b":2}: longer key first
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xa2, 0x62, 0x61, 0x61, 0x01, 0x61, 0x62, 0x02])), { name: 'MalformedMessageError' })
    // {"a":1,"a":2}
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02])), { name: 'MalformedMessageError' })
    // {1: 2}
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xa1, 0x01, 0x02])), { name: 'MalformedMessageError', message: /not a string/ })
    // unsorted keys are accepted only when the caller opts out
    assert.deepEqual(decodeDagCborBounded(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), { requireCanonicalKeyOrder: false }), { a: 2, b: 1 })
  })

  it('rejects tags other than 42, tag 42 on non-bytes, indefinite lengths and undefined', () => {
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xc1, 0x01])), { name: 'MalformedMessageError', message: /tag 1/ })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xd8, 0x2a, 0x01])), { name: 'MalformedMessageError', message: /wrap bytes/ })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0x9f, 0x01, 0xff])), { name: 'MalformedMessageError' })
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xf7])), { name: 'MalformedMessageError' })
  })

  it('accepts nesting exactly at maxDepth and rejects one deeper', () => {
    const nested = (depth: number): unknown => depth === 0 ? 1 : [nested(depth - 1)]
    scanDagCbor(dagCbor.encode(nested(8)), { maxDepth: 8 })
    assert.throws(() => scanDagCbor(dagCbor.encode(nested(9)), { maxDepth: 8 }), { name: 'MalformedMessageError', message: /deeper than 8/ })
  })

  it('counts items across maps, arrays and tags', () => {
    const bytes = dagCbor.encode({ a: [1, 2, 3] }) // map, key, array, three ints = 6 items
    scanDagCbor(bytes, { maxItems: 6 })
    assert.throws(() => scanDagCbor(bytes, { maxItems: 5 }), { name: 'MalformedMessageError' })
  })

  it('wraps invalid CBOR (bad CID bytes) from the decoder into MalformedMessageError', () => {
    assert.throws(() => decodeDagCborBounded(new Uint8Array([0xd8, 0x2a, 0x42, 0x01, 0x02])), { name: 'MalformedMessageError', message: /invalid DAG-CBOR/ })
  })

  it('shares byte strings with a Buffer input only when asked to', () => {
    const payload = new Uint8Array(4096).fill(7)
    const input = Buffer.from(dagCbor.encode({ data: payload }))
    const shared = decodeDagCborBounded(input, { shareInputBytes: true }) as { data: Uint8Array }
    assert.deepEqual(new Uint8Array(shared.data.buffer, shared.data.byteOffset, shared.data.byteLength), payload)
    assert.equal(shared.data.buffer, input.buffer, 'a view of the input')
    const copied = decodeDagCborBounded(input) as { data: Uint8Array }
    assert.deepEqual(copied.data, payload)
    assert.notEqual(copied.data.buffer, input.buffer, 'a copy by default')
  })
})
