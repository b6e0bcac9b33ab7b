/**
 * Work units: contiguous ranges of the pieces still missing, each fetched by ONE sync whose
 * selector is the exact paths to those pieces (a "range selector"). The relay walks that selector
 * itself, so it verifies and charges exactly the HAMT nodes on the way (re-sent by every unit)
 * plus those pieces. Pieces with the same CID are fetched once per unit.
 */
import { chargeBlocks } from '../../accounting/charge.js'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { exactPathsSelector } from './path-selector.js'
import type { AttachmentIndex } from './piece-index.js'
import type { PolicyDocument } from '../../protocol/policy-schema.js'

/** A unit of work: pieces (1-based, ascending) fetched by one sync. */
export interface Unit {
  readonly id: number
  pieces: number[]
  /** Routes this unit failed on (skipped while another route can take it). */
  readonly excluded: Set<number>
  /** Failed attempts so far. */
  tries: number
}

/** The plan of one sync for a unit: selector, block/byte bounds, CID → pieces. */
export interface UnitSync {
  selector: Record<string, unknown>
  /** Upper bound of each block's size: the path nodes, then one full piece per distinct CID. */
  sizes: number[]
  maxBytes: number
  /** Which pieces each CID fills. */
  piecesByCid: Map<string, number[]>
}

/** Splits the missing pieces into units of at most `unitPieces` contiguous piece numbers. */
export function planUnits (pieces: number, has: (n: number) => boolean, unitPieces: number): Unit[] {
  const units: Unit[] = []
  let current: number[] = []
  const close = (): void => {
    if (current.length > 0) units.push({ id: units.length, pieces: current, excluded: new Set(), tries: 0 })
    current = []
  }
  for (let n = 1; n <= pieces; n++) {
    if (has(n)) {
      close()
      continue
    }
    current.push(n)
    if (current.length === unitPieces) close()
  }
  close()
  return units
}

/** The sync of `pieces` against the index. */
export function unitSync (index: AttachmentIndex, pieces: readonly number[]): UnitSync {
  const piecesByCid = new Map<string, number[]>()
  const nodes = new Set<string>()
  const paths = []
  for (const n of pieces) {
    const location = index.locations[n - 1]
    const key = location.cid.toString()
    const same = piecesByCid.get(key)
    if (same !== undefined) {
      same.push(n)
      continue
    }
    piecesByCid.set(key, [n])
    paths.push(location.path)
    for (const node of location.nodes) nodes.add(node)
  }
  const sizes = [...[...nodes].map((cid) => index.nodeBytes.get(cid) ?? 0), ...paths.map(() => ATTACHMENT_PIECE_BYTES)]
  return { selector: exactPathsSelector(paths), sizes, maxBytes: sizes.reduce((a, b) => a + b, 0), piecesByCid }
}

/** The full price of blocks of these sizes under `policy` (no free quota counted on). */
export function priceOf (sizes: readonly number[], policy: PolicyDocument): bigint {
  return chargeBlocks(sizes, { perBlockNanoTau: policy.pricing.perBlock, perMiBNanoTau: policy.pricing.perMiB }, 0).chargeNanoTau
}
