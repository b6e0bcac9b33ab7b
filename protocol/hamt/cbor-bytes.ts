/**
 * Low-level CBOR for HAMT nodes: writing minimal-length headers, and finding where each pointer of
 * an encoded node sits in its bytes so that a loaded node can later be re-encoded by copying its
 * unchanged buckets. `pointerSpans` runs only on bytes that the bounded DAG-CBOR decoder has
 * already accepted (definite lengths, depth within its limit), so it skips items without checks.
 */
import type { Slot } from './node.js'

const MAJOR_ARRAY = 4
const MAJOR_MAP = 5
const MAJOR_TAG = 6

/** Bytes taken by a CBOR head carrying `n` (shortest form, as DAG-CBOR requires). */
export function headerLength (n: number): number {
  if (n < 24) return 1
  if (n < 0x100) return 2
  if (n < 0x10000) return 3
  return 5
}

/** Writes the shortest CBOR head of `major` type carrying `n`; returns the next position. */
export function writeHeader (out: Uint8Array, pos: number, major: number, n: number): number {
  const m = major << 5
  if (n < 24) {
    out[pos] = m | n
    return pos + 1
  }
  if (n < 0x100) {
    out[pos] = m | 24
    out[pos + 1] = n
    return pos + 2
  }
  if (n < 0x10000) {
    out[pos] = m | 25
    out[pos + 1] = n >> 8
    out[pos + 2] = n & 0xff
    return pos + 3
  }
  out[pos] = m | 26
  new DataView(out.buffer, out.byteOffset + pos + 1, 4).setUint32(0, n)
  return pos + 5
}

/** [start, end) of each occupied slot's pointer in `bytes`, in a Uint32Array of 2 per slot. */
export function pointerSpans (bytes: Uint8Array, slots: readonly Slot[]): Uint32Array {
  const spans = new Uint32Array(2 * slots.length)
  let pos = head(bytes, 0).next // [bitfield, pointers]
  pos = skipItem(bytes, pos) // bitfield
  pos = head(bytes, pos).next // pointers
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] === undefined) continue
    spans[2 * i] = pos
    pos = skipItem(bytes, pos)
    spans[2 * i + 1] = pos
  }
  return spans
}

function skipItem (bytes: Uint8Array, pos: number): number {
  const { major, value, next } = head(bytes, pos)
  switch (major) {
    case 2:
    case 3:
      return next + value
    case MAJOR_ARRAY:
    case MAJOR_MAP: {
      let at = next
      const items = major === MAJOR_MAP ? 2 * value : value
      for (let k = 0; k < items; k++) at = skipItem(bytes, at)
      return at
    }
    case MAJOR_TAG:
      return skipItem(bytes, next)
    default:
      // integers, and floats/simple values whose payload `head` already consumed
      return next
  }
}

function head (bytes: Uint8Array, pos: number): { major: number, value: number, next: number } {
  const initial = bytes[pos]
  const major = initial >> 5
  const info = initial & 31
  if (info < 24) return { major, value: info, next: pos + 1 }
  const width = 1 << (info - 24) // 1, 2, 4 or 8 bytes follow
  let value = 0
  for (let k = 1; k <= width; k++) value = value * 256 + bytes[pos + k]
  return { major, value, next: pos + 1 + width }
}
