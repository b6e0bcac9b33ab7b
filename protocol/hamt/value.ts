/**
 * Values of entries: DAG-CBOR bytes made once and kept (a loaded entry has them from the start),
 * values decoded from those bytes on each read and not kept (so reading a whole map does not grow
 * the heap by every record in it). Values are canonical DAG-CBOR, so their bytes are stable: a
 * node re-encode copies them instead of re-encoding the value.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { InvalidHamtValueError, MalformedHamtNodeError } from '../errors.js'
import { compareBytes } from './node.js'
import { hex } from './node-reader.js'
import type { Entry } from './node.js'

/** The value of an entry: as given to `set`, or decoded from its loaded bytes. */
export function entryValue (entry: Entry): unknown {
  if (entry.value !== undefined) return entry.value
  const encoded = entry.encoded
  if (encoded === undefined) throw new MalformedHamtNodeError('', 'invalid_dag_cbor', 'HAMT entry without a value')
  try {
    return dagCbor.decode(encoded.subarray(entry.start, entry.end))
  } catch (err: unknown) {
    // unreachable for blocks the reader accepted: it scanned every value as DAG-CBOR and checked its CIDs
    throw new MalformedHamtNodeError('', 'invalid_dag_cbor', `HAMT value is not DAG-CBOR: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The length of the entry's value bytes, encoding the value first if needed (InvalidHamtValueError). */
export function valueLength (entry: Entry): number {
  if (entry.encoded === undefined) {
    const bytes = encodeValue(entry)
    entry.encoded = bytes
    entry.start = 0
    entry.end = bytes.length
  }
  return entry.end - entry.start
}

/** Whether an overwrite changes nothing: the same value, compared by its DAG-CBOR bytes. */
export function sameValue (stored: Entry, next: Entry): boolean {
  if (stored.value !== undefined && stored.value === next.value && (stored.value === null || typeof stored.value !== 'object')) return true
  valueLength(stored)
  valueLength(next)
  const a = stored.encoded as Uint8Array
  const b = next.encoded as Uint8Array
  return compareBytes(a.subarray(stored.start, stored.end), b.subarray(next.start, next.end)) === 0
}

function encodeValue (entry: Entry): Uint8Array {
  try {
    return dagCbor.encode(entry.value)
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err)
    throw new InvalidHamtValueError(`value of key 0x${hex(entry.key)} is not an IPLD data model value: ${why}`)
  }
}
