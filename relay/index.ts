/**
 * Public API of `tau-relay`: the relay service, and the requester / target-peer toolkit apps use
 * to talk to it. Imports the Node 20 runtime shim first (libp2p 3 needs it).
 */
import './runtime-shim.js'

// the relay
export { Relay, startRelay } from './relay.js'
export type { RelayOptions } from './relay.js'
export { createRelayNode } from './node.js'
export type { RelayLibp2p, RelayNodeInit, RelayNodeComponents } from './node.js'
export { loadConfig, defaultConfigJson } from './config.js'
export type { RelayConfig } from './config.js'
export { relaySync, RelaySyncService } from './relay-sync/index.js'
export type { RelaySyncDeps, RelaySyncInit, RelaySyncComponents } from './relay-sync/index.js'
export { createRelayMetrics } from './metrics.js'
export type { RelayMetrics } from './metrics.js'

// graphsync v2 (requester and responder over libp2p 3)
export { graphsync, GraphsyncService } from './graphsync/index.js'
export type { GraphsyncInit, GraphsyncRequestOptions, GraphsyncRequestRun, GraphsyncResult, GraphsyncBlockStore } from './graphsync/index.js'

// requester toolkit
export { RelaySyncClient, EXPLORE_ALL_SELECTOR } from './client/relay-sync-client.js'
export type { RelaySyncClientInit, RelaySyncOptions, RelaySyncRun } from './client/relay-sync-client.js'
export type { CheckedSyncResult } from './client/result-check.js'
export { fetchPolicy, readPolicy } from './client/policy-client.js'
export type { FetchedPolicy } from './client/policy-client.js'
export { encodeReceiptFile, decodeReceiptFile, verifyReceiptFile } from './client/receipt-file.js'
export type { ReceiptFile } from './client/receipt-file.js'

// target peer toolkit
export { startTargetPeer } from './peer/target-peer.js'
export type { TargetPeer, TargetPeerInit } from './peer/target-peer.js'
export { loadCarFiles, loadCarBytes } from './peer/car-store.js'
export { makeBinding, publishBinding } from './peer/identity-client.js'
export { futureStateService, FutureStateService } from './future-state/server.js'
export { requestFutureState } from './future-state/client.js'
export { fetchRelayPolicy, policyService } from './services/policy-service.js'
export { identityService } from './services/identity-service.js'

// TAU attachments: TGZ → 256 KiB raw pieces under a HAMT keyed 1..m, streamed both ways
export { publishAttachment, ATTACHMENT_TAR_MTIME } from './attachments/publish.js'
export type { PublishAttachmentOptions, PublishedAttachment } from './attachments/publish.js'
export { unpackAttachment, DEFAULT_MAX_DECOMPRESSION_RATIO } from './attachments/unpack.js'
export type { UnpackAttachmentOptions, UnpackedAttachment } from './attachments/unpack.js'
export { readAttachmentIndex, attachmentPieces, readPieces, DEFAULT_MAX_ATTACHMENT_INDEX_PIECES } from './attachments/piece-index.js'
export { verifyPiece, pieceCid } from './attachments/pieces.js'
export { attachmentFromCar, IndexedCarStore, IndexedCarStores } from './attachments/car-index-store.js'
export { openCarFiles } from './peer/car-store.js'
export { watchStateRootFile, InvalidStateRootFileError } from './peer/state-root-file.js'
export { InvalidAttachmentIndexError, InvalidAttachmentPieceError, UnsafeAttachmentEntryError, AttachmentArchiveError, AttachmentInputError } from './attachments/errors.js'

// the parallel multi-route attachment downloader
export { downloadAttachment, AttachmentDownloader } from './downloader/downloader.js'
export type { DownloadOptions, DownloadRoute, DownloadReport, RouteReport } from './downloader/types.js'
export { fetchAttachmentIndex } from './downloader/piece-index.js'
export { exactPathsSelector } from './downloader/path-selector.js'
export { PartialFile } from './downloader/partial-file.js'
export { readVerifiedPieces } from './downloader/read-pieces.js'
export { AttachmentIndexError, NoRouteLeftError, UnitAttemptsExhaustedError, ProgressMismatchError } from './downloader/errors.js'
export { TokenBucket } from './graphsync/token-bucket.js'
