/**
 * Options and report of `downloadAttachment` (downloader.ts).
 */
import type { RelaySyncClient } from '../client/relay-sync-client.js'
import type { FetchedPolicy } from '../client/policy-client.js'
import type { SyncReceipt } from '../../protocol/relay-sync/messages.js'
import type { SyncOutcome } from '../../protocol/status.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** One route: a target peer holding the attachment, reached through a relay. */
export interface DownloadRoute {
  /** The relay's multiaddr (with its `/p2p/` id). */
  relay: Multiaddr
  /** The target peer. */
  peer: PeerId
  /** Where the relay may dial the target when it has no connection to it. */
  addrs?: Multiaddr[]
}

/** What `downloadAttachment` needs. */
export interface DownloadOptions {
  /** The attachment root (its HAMT index). */
  root: CID
  /** m: the number of pieces. */
  pieces: number
  routes: DownloadRoute[]
  /** The partial file; `<out>.progress` is its sidecar. */
  out: string
  /** The paying client (its TAU key signs every sync). */
  client: RelaySyncClient
  /** Policies already fetched, by relay peer id string; the others are fetched. */
  policies?: Map<string, FetchedPolicy>
  /** Spend cap per route, nanoTAU. @default unlimited */
  maxChargePerRoute?: bigint
  /** Spend cap of the whole download, nanoTAU. @default unlimited */
  maxChargeTotal?: bigint
  /** Syncs in flight per route. @default DEFAULT_CONCURRENCY_PER_ROUTE */
  concurrencyPerRoute?: number
  /** Pieces per unit (one sync). @default DEFAULT_UNIT_PIECES */
  unitPieces?: number
  /** @default DEFAULT_MAX_CONSECUTIVE_FAILURES */
  maxConsecutiveFailures?: number
  /** @default DEFAULT_SLOW_FACTOR */
  slowFactor?: number
  signal?: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
}

/** Progress, reported after each piece written. */
export interface DownloadProgress {
  pieces: number
  donePieces: number
  /** Piece bytes written by this run. */
  bytes: number
}

/** One sync's verified receipt. */
export interface ReceiptEntry {
  /** The relay's TAU address (the policy's), which signed the head. */
  relayTau: Uint8Array
  logRoot: string
  status: SyncOutcome
  charge: bigint
  blocks: number
  bytes: number
  receipt: SyncReceipt
}

/** What one route did. */
export interface RouteReport {
  relay: string
  peer: string
  /** Pieces this route delivered first (written by it). */
  pieces: number
  /** Bytes of every block it delivered (index nodes and duplicates included). */
  bytes: number
  /** Sum of its receipts' charges, nanoTAU. */
  charge: bigint
  /** Holds of its syncs that ended without a result (cancelled, stream lost): the most they can cost. */
  unreceiptedHolds: bigint
  receipts: ReceiptEntry[]
  syncs: number
  failures: number
  /** Units of this route re-issued elsewhere because it was slow. */
  slowReissues: number
  dropped: boolean
}

/** The outcome of a download (also of one that stopped: see `AttachmentDownloader.report()`). */
export interface DownloadReport {
  root: string
  pieces: number
  complete: boolean
  /** Pieces found verified on disk at start (resume). */
  resumedPieces: number
  /** Pieces written by this run. */
  fetchedPieces: number
  bytes: number
  charge: bigint
  /** `charge` plus the holds of syncs without a receipt: the most this run can have cost. */
  chargeUpperBound: bigint
  routes: RouteReport[]
  elapsedMs: number
}
