/**
 * Test helper: hand-made hostile inputs too big for fast-check — 10,000-level nesting, 1,000,000
 * items, and length headers that lie — alone and spliced into a valid message at its first and
 * its last field (so they reach the typed checks behind the CBOR layer); for CAR decoders, lying
 * section lengths, a 4 MiB CAR of repeated blocks, and correctly hashed blocks that are deep or
 * wide CBOR; for JSON decoders, the same shapes as parsed JSON values (objects as wide as an HTTP
 * body can carry).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { encodeProofCar } from '../../protocol/hamt/proof.js'
import { DEFAULT_HTTP_BODY_LIMIT_BYTES } from '../../relay/config-defaults.js'
import { sha256 } from '../../protocol/hashes.js'
import { mutateValue, slotsOf } from './fuzz-inputs.js'

/** One hand-made input. */
export interface Shape { name: string, input: unknown }

const DEPTH = 10_000
const WIDE = 1_000_000
/** A byte string the encoder writes as `0x50 ‖ 16 × 0xee`, replaced after encoding. */
const MARKER = new Uint8Array(16).fill(0xee)
const MARKER_BYTES = dagCbor.encode(MARKER)

function repeat (unit: Uint8Array, times: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(unit.length * times + tail.length)
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length)
  out.set(tail, unit.length * times)
  return out
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const NULL = Uint8Array.of(0xf6)
const U32 = (major: number, n: number): Uint8Array => Uint8Array.of((major << 5) | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)

/** The CBOR shapes, without an envelope. */
const CBOR_SHAPES: ReadonlyArray<[string, Uint8Array]> = [
  ['deep arrays', repeat(Uint8Array.of(0x81), DEPTH, NULL)],
  ['deep maps', repeat(Uint8Array.of(0xa1, 0x61, 0x61), DEPTH, NULL)],
  ['deep tags', repeat(Uint8Array.of(0xd8, 0x2a), DEPTH, Uint8Array.of(0x40))],
  ['wide array of nulls', concat(U32(4, WIDE), repeat(NULL, WIDE, new Uint8Array(0)))],
  ['4 MiB of empty maps', concat(U32(4, 4 * 1024 * 1024 - 5), repeat(Uint8Array.of(0xa0), 4 * 1024 * 1024 - 5, new Uint8Array(0)))],
  ['wide map, one repeated key', concat(U32(5, WIDE), repeat(Uint8Array.of(0x61, 0x61, 0xf6), WIDE, new Uint8Array(0)))],
  ['lying array length 2^64-1', Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf6)],
  ['lying map length 2^32', Uint8Array.of(0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x61, 0x61, 0xf6)],
  ['lying bytes length 2^32-1', concat(U32(2, 0xffffffff), new Uint8Array(16))],
  ['lying text length 2^63', Uint8Array.of(0x7b, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x61)]
]

const ENVELOPED = new Set(['deep arrays', 'deep maps', 'wide array of nulls', 'lying bytes length 2^32-1'])

/** `seed` (DAG-CBOR) with the value at slot `pick` replaced by the raw CBOR `inner`, or undefined if it is not DAG-CBOR. */
function envelope (seed: Uint8Array, pick: 'first' | 'last', inner: Uint8Array): Uint8Array | undefined {
  let node: unknown
  try {
    node = dagCbor.decode(seed)
  } catch {
    return undefined
  }
  const slots = slotsOf(node)
  if (slots.length < 2) return undefined
  const bytes = dagCbor.encode(mutateValue(node, pick === 'first' ? 1 : slots.length - 1, 'replace', MARKER, ''))
  const at = indexOf(bytes, MARKER_BYTES)
  return concat(bytes.subarray(0, at), inner, bytes.subarray(at + MARKER_BYTES.length))
}

function indexOf (haystack: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(needle)
  if (at < 0) throw new Error('marker not found')
  return at
}

/** A CAR of one correctly hashed dag-cbor block with these bytes. */
function carOf (bytes: Uint8Array): Uint8Array {
  const cid = CID.createV1(0x71, sha256.digest(bytes))
  return encodeProofCar(cid, [{ cid, bytes }])
}

function carShapes (seed: Uint8Array): Shape[] {
  const [headerLength, width] = varint.decode(seed)
  const header = seed.subarray(0, width + headerLength)
  const firstSection = seed.subarray(header.length)
  const [sectionLength, sectionWidth] = varint.decode(firstSection)
  const section = firstSection.subarray(0, sectionWidth + sectionLength)
  const copies = Math.floor((4 * 1024 * 1024 - header.length) / section.length)
  return [
    { name: 'CAR: lying header length 2^31', input: concat(Uint8Array.from(varint.encodeTo(2 ** 31, new Uint8Array(5))), seed.subarray(width)) },
    { name: 'CAR: lying section length 2^40', input: concat(header, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x20), firstSection.subarray(sectionWidth)) },
    { name: `CAR: ${copies} copies of a block in 4 MiB`, input: concat(header, repeat(section, copies, new Uint8Array(0))) },
    { name: 'CAR: a hashed block of deep arrays', input: carOf(repeat(Uint8Array.of(0x81), DEPTH, NULL)) },
    { name: 'CAR: a hashed block of 1M nulls', input: carOf(concat(U32(4, WIDE), repeat(NULL, WIDE, new Uint8Array(0)))) }
  ]
}

/** Every hand-made byte input for a decoder whose valid encodings are `seeds`. */
export function byteShapes (seeds: readonly Uint8Array[]): Shape[] {
  const shapes: Shape[] = CBOR_SHAPES.map(([name, input]) => ({ name, input }))
  const seed = seeds[0]
  for (const [name, inner] of CBOR_SHAPES) {
    if (!ENVELOPED.has(name)) continue
    for (const pick of ['first', 'last'] as const) {
      const input = envelope(seed, pick, inner)
      if (input !== undefined) shapes.push({ name: `${name} in the ${pick} field`, input })
    }
  }
  if (envelope(seed, 'first', NULL) === undefined) shapes.push(...carShapes(seed))
  return shapes
}

/**
 * The object with the most keys whose JSON text fits `limitBytes`. JSON decoders only ever see
 * bodies express accepted (≤ 256 KiB), so a 1M-key object cannot reach them; measured here, V8
 * alone spends ~1 s enumerating 1M keys and `z.record` +130 MiB over them, before any decoder runs.
 */
function widestObject (limitBytes: number): Record<string, number> {
  const out: Record<string, number> = {}
  let size = 2
  for (let i = 0; ; i++) {
    const key = `k${i}`
    size += key.length + 5
    if (size > limitBytes) return out
    out[key] = 0
  }
}

function nest (depth: number, wrap: (inner: unknown) => unknown): unknown {
  let value: unknown = null
  for (let i = 0; i < depth; i++) value = wrap(value)
  return value
}

/** Every hand-made JSON input for a decoder whose valid documents are `seeds`. */
export function jsonShapes (seeds: readonly unknown[]): Shape[] {
  const wideArray = new Array<null>(WIDE).fill(null)
  const wideObject = widestObject(DEFAULT_HTTP_BODY_LIMIT_BYTES)
  const inner: Array<[string, () => unknown]> = [
    ['deep arrays', () => nest(DEPTH, (v) => [v])],
    ['deep objects', () => nest(DEPTH, (v) => ({ a: v }))],
    ['wide array', () => wideArray],
    [`wide object (${Object.keys(wideObject).length} keys: a full body)`, () => wideObject],
    ['256 KiB string (a full body)', () => '7'.repeat(DEFAULT_HTTP_BODY_LIMIT_BYTES)]
  ]
  const shapes: Shape[] = inner.map(([name, make]) => ({ name, input: make() }))
  for (const [name, make] of inner) {
    for (const pick of ['first', 'last'] as const) {
      const doc = structuredClone(seeds[0])
      const index = pick === 'first' ? 1 : slotsOf(doc).length - 1
      shapes.push({ name: `${name} in the ${pick} field`, input: mutateValue(doc, index, 'replace', make(), '') })
    }
  }
  return shapes
}
