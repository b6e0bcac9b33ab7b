/**
 * Test helper: fast-check arbitraries of hostile decoder inputs. For byte decoders: arbitrary
 * bytes; bit flips, truncations, extensions, splices and lying CBOR length headers in valid
 * encodings; `fc.anything` values encoded as DAG-CBOR; and valid messages decoded, changed at one
 * random place (a value replaced, a key dropped or added, a scalar retyped) and re-encoded, so
 * they pass the CBOR layer and reach the typed checks behind it. For JSON decoders: the same
 * value-level mutations of valid documents, arbitrary JSON values and random bytes parsed as JSON.
 */
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'

const LINK = CID.parse('bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
const RAW_LINK = CID.parse('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')

/** CBOR heads that declare far more than any input holds: bytes, text, array and map of 2^64−1 / 2^32−1. */
const LYING_HEADS: readonly Uint8Array[] = [
  Uint8Array.of(0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00),
  Uint8Array.of(0x5a, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x9a, 0x7f, 0xff, 0xff, 0xff),
  Uint8Array.of(0xd8, 0x2a, 0x5a, 0x00, 0x10, 0x00, 0x00)
]

/** Scalars, bytes and links of every IPLD kind, with edge values. */
function ipldScalar (): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53) + 1, 0.5, 1e300),
    fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
    fc.string({ maxLength: 40 }), fc.boolean(), fc.constant(null),
    fc.uint8Array({ maxLength: 80 }), fc.constantFrom(LINK, RAW_LINK)
  )
}

/** IPLD data model values whose map keys are often the field names of the messages under test. */
export function ipldValue (keys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...keys, 'x'), fc.string({ maxLength: 8 }))
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      ipldScalar(), fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(key, tie('value'), { maxKeys: 6 }))
  })).value
}

/** `fc.anything` restricted to encodable leaves, mapped through DAG-CBOR encode. */
function anythingEncoded (keys: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.anything({
    key: fc.oneof(fc.constantFrom(...keys, 'x'), fc.string({ maxLength: 6 })),
    values: [ipldScalar()],
    maxDepth: 4,
    withNullPrototype: true
  }).map(safeEncode)
}

function safeEncode (value: unknown): Uint8Array {
  try {
    return dagCbor.encode(value)
  } catch {
    return dagCbor.encode(String(value))
  }
}

export type Slot = { parent: Record<string | number, unknown>, key: string | number }

/** Every container slot of a decoded value (the places a mutation may hit). */
export function slotsOf (root: unknown): Slot[] {
  const holder: Record<string, unknown> = { root }
  const slots: Slot[] = [{ parent: holder, key: 'root' }]
  for (let i = 0; i < slots.length && slots.length < 4096; i++) {
    const { parent, key } = slots[i]
    const value = parent[key]
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || CID.asCID(value) !== null) continue
    const container = value as Record<string | number, unknown>
    for (const k of Array.isArray(value) ? value.keys() : Object.keys(container)) slots.push({ parent: container, key: k })
  }
  return slots
}

/** A scalar of another kind than `value`, or the same kind at an edge. */
function retype (value: unknown, replacement: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value + 0.5 : -1
  if (typeof value === 'bigint') return value > 0n ? -value : 2n ** 64n - 1n
  if (typeof value === 'string') return value + '\u0000' + value
  if (value instanceof Uint8Array) return Uint8Array.from([...value, ...value, 0])
  return replacement
}

/** One value-level change: `replace`, `delete`, `add` a key/item, or `retype` a scalar. */
export type MutationOp = 'replace' | 'delete' | 'add' | 'retype'

/** Applies `op` at slot `pick` (mod the slot count) of `root`, in place; returns the new root. */
export function mutateValue (root: unknown, pick: number, op: MutationOp, replacement: unknown, newKey: string): unknown {
  const slots = slotsOf(root)
  const { parent, key } = slots[pick % slots.length]
  const value = parent[key]
  if (op === 'replace') parent[key] = replacement
  else if (op === 'retype') parent[key] = retype(value, replacement)
  else if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1)
    else delete parent[key]
  } else if (Array.isArray(value)) value.push(replacement)
  else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && CID.asCID(value) === null) {
    Object.defineProperty(value, newKey, { value: replacement, enumerable: true, writable: true, configurable: true })
  } else parent[key] = [value, replacement]
  return (slots[0].parent as { root: unknown }).root
}

const opArb = fc.constantFrom<MutationOp>('replace', 'delete', 'add', 'retype')

/** Bit flips, truncation, extension, splices and lying heads applied to one of `seeds`. */
function byteMutations (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...seeds)
  return fc.oneof(
    fc.tuple(seed, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 4 })).map(([s, flips]) => {
      const out = Uint8Array.from(s)
      for (const [at, bit] of flips) out[at % out.length] ^= 1 << bit
      return out
    }),
    fc.tuple(seed, fc.nat()).map(([s, cut]) => s.subarray(0, cut % s.length)),
    fc.tuple(seed, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([s, tail]) => Uint8Array.from([...s, ...tail])),
    fc.tuple(seed, fc.nat(), fc.nat({ max: 8 }), fc.uint8Array({ maxLength: 8 })).map(([s, at, drop, insert]) => {
      const i = at % (s.length + 1)
      return Uint8Array.from([...s.subarray(0, i), ...insert, ...s.subarray(i + drop)])
    }),
    fc.tuple(seed, fc.nat(), fc.constantFrom(...LYING_HEADS), fc.boolean()).map(([s, at, head, overwrite]) => {
      const i = at % (s.length + 1)
      return Uint8Array.from([...s.subarray(0, i), ...head, ...s.subarray(overwrite ? i + head.length : i)])
    })
  )
}

/** Valid encodings decoded, changed at one place and re-encoded (seeds that are not DAG-CBOR are flipped instead). */
function nodeMutations (seeds: readonly Uint8Array[], keys: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.nat(), opArb, ipldValue(keys), fc.constantFrom(...keys, 'extra')).map(([s, pick, op, replacement, newKey]) => {
    let node: unknown
    try {
      node = dagCbor.decode(s)
    } catch {
      return Uint8Array.from(s, (b, i) => (i === pick % s.length ? b ^ 0x80 : b))
    }
    return safeEncode(mutateValue(node, pick, op, replacement, newKey))
  })
}

/** Every kind of hostile byte input for a decoder whose valid encodings are `seeds`. */
export function hostileBytes (seeds: readonly Uint8Array[], keys: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 1024 }), weight: 2 },
    { arbitrary: byteMutations(seeds), weight: 4 },
    { arbitrary: nodeMutations(seeds, keys), weight: 4 },
    { arbitrary: anythingEncoded(keys), weight: 1 },
    { arbitrary: ipldValue(keys).map(safeEncode), weight: 1 }
  )
}

/** Strings a JSON decoder mistakes most easily: hex, digits, addresses, base58, huge numbers as text. */
const nearValidText = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{0,140}$/), fc.stringMatching(/^[0-9]{1,30}$/), fc.stringMatching(/^T[1-9A-HJ-NP-Za-km-z]{0,40}$/),
  fc.stringMatching(/^12D3Koo[1-9A-HJ-NP-Za-km-z]{0,50}$/), fc.constantFrom('', '0x00', '-1', '1e400', 'nanoTAU', '__proto__')
)

/** JSON values, with near-valid strings and edge numbers mixed in. */
function jsonish (keys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...keys, '__proto__', 'constructor'), fc.string({ maxLength: 8 }))
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' },
      nearValidText, fc.string({ maxLength: 20 }), fc.double({ noNaN: true }), fc.integer(), fc.boolean(), fc.constant(null),
      fc.constantFrom(2 ** 53, -0, 1e308, Number.MAX_SAFE_INTEGER + 2),
      fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 }))
  })).value
}

/** Every kind of hostile input for a decoder of parsed JSON whose valid documents are `seeds`. */
export function hostileJson (seeds: readonly unknown[], keys: readonly string[]): fc.Arbitrary<unknown> {
  const decoder = new TextDecoder()
  return fc.oneof(
    {
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.nat(), opArb, jsonish(keys), fc.constantFrom(...keys, 'extra'))
        .map(([s, pick, op, replacement, newKey]) => mutateValue(structuredClone(s), pick, op, replacement, newKey)),
      weight: 6
    },
    { arbitrary: jsonish(keys), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 1 },
    {
      arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => {
        const text = decoder.decode(bytes)
        try {
          return JSON.parse(text) as unknown
        } catch {
          return text
        }
      }),
      weight: 1
    }
  )
}

/** Every map key of `values` (decoded seeds), so generated maps often use real field names. */
export function keysOf (values: readonly unknown[]): string[] {
  const keys = new Set<string>()
  for (const value of values) {
    // slot 0 is the holder of the root value, not a field
    for (const { parent, key } of slotsOf(value).slice(1)) if (typeof key === 'string' && !Array.isArray(parent)) keys.add(key)
  }
  return [...keys]
}
