/**
 * Shape checks for decoded DAG-CBOR values: each returns the narrowed value or throws
 * MalformedMessageError naming the field path (e.g. `gs2.req[0].id`).
 */
import { CID } from 'multiformats/cid'
import { MalformedMessageError } from '../errors.js'

/** A decoded DAG-CBOR map: a plain object (not a list, bytes or CID). */
export type CborMap = Record<string, unknown>

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/** Describes a decoded value's kind for error messages. */
function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'list'
  if (value instanceof Uint8Array) return 'bytes'
  if (CID.asCID(value) !== null) return 'link'
  return typeof value === 'object' ? 'map' : typeof value
}

/** A map; with `allowed`, one holding only those keys. */
export function expectMap (value: unknown, field: string, allowed?: readonly string[]): CborMap {
  if (kindOf(value) !== 'map') throw new MalformedMessageError(field, `expected a map, got ${kindOf(value)}`)
  const map = value as CborMap
  if (allowed === undefined) return map
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) throw new MalformedMessageError(join(field, key), `unknown key ${JSON.stringify(key)}`)
  }
  return map
}

/** A list. */
export function expectList (value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new MalformedMessageError(field, `expected a list, got ${kindOf(value)}`)
  return value
}

/** A list of exactly `length` items (a tuple struct). */
export function expectTuple (value: unknown, field: string, length: number): unknown[] {
  const list = expectList(value, field)
  if (list.length !== length) throw new MalformedMessageError(field, `expected ${length} items, got ${list.length}`)
  return list
}

/** A byte string, optionally of an exact length. */
export function expectBytes (value: unknown, field: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MalformedMessageError(field, `expected bytes, got ${kindOf(value)}`)
  if (length !== undefined && value.length !== length) {
    throw new MalformedMessageError(field, `expected ${length} bytes, got ${value.length}`)
  }
  return value
}

/** A text string. */
export function expectString (value: unknown, field: string): string {
  if (typeof value !== 'string') throw new MalformedMessageError(field, `expected a string, got ${kindOf(value)}`)
  return value
}

/**
 * An integer in the int32 range (go-graphsync's Priority and status types are int32). A CBOR float
 * with an integral value (14.0) decodes to the same JS number as 14 and is accepted as 14.
 */
export function expectInt32 (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MalformedMessageError(field, `expected an integer, got ${kindOf(value)}`)
  }
  if (value < INT32_MIN || value > INT32_MAX) throw new MalformedMessageError(field, `integer ${value} outside int32`)
  return value
}

/** A non-negative safe integer. */
export function expectCount (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessageError(field, `expected a non-negative integer, got ${kindOf(value)}`)
  }
  return value
}

/** A CID (a DAG-CBOR link). */
export function expectLink (value: unknown, field: string): CID {
  const cid = CID.asCID(value)
  if (cid === null) throw new MalformedMessageError(field, `expected a link, got ${kindOf(value)}`)
  return cid
}

/** Joins a field path and a map key. */
export function join (field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`
}
