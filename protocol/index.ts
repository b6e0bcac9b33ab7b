/**
 * Public API of `tau-relay/protocol`: the pure layer (identity, blocks, bounded decoding,
 * selectors, HAMT, wire codecs). Names listed in DESIGN.md §6 are stable; everything exported
 * here is named explicitly so the public surface is a decision, not an accident.
 */
export * from './errors.js'

// blocks, hashes, bounded decoding
export { blake2b256, sha256, identity, hasherFor, digestWith, BLAKE2B_256_CODE, SHA2_256_CODE, IDENTITY_CODE } from './hashes.js'
export type { SyncHasher } from './hashes.js'
export { decodeDagCborBounded, scanDagCbor, DEFAULT_CBOR_LIMITS } from './dag-cbor-bounded.js'
export type { CborLimits } from './dag-cbor-bounded.js'
export { verifyBlock, decodeBlock, verifyAndDecodeBlock, DEFAULT_MAX_BLOCK_BYTES, DAG_CBOR_CODE, DAG_JSON_CODE, RAW_CODE, DAG_PB_CODE } from './block.js'
export type { VerifiedBlock, BlockLimits } from './block.js'

// TAU identity
export { tauPrivateKeyFromBytes, tauPublicKeyFromPrivateKey, uncompressedTauPublicKey, rawTauPublicKey, TAU_PRIVATE_KEY_BYTES } from './tau-key.js'
export { tauAddressFromPublicKey, tauAddressFromPrivateKey, tauAddressEquals, formatTauAddress, parseTauAddress, assertTauAddressBytes, TAU_ADDRESS_BYTES } from './tau-address.js'
export { TAU_DOMAIN } from './tau-domains.js'
export type { TauDomain } from './tau-domains.js'
export { signTau, verifyTau, recoverTauAddress, signingDigest, signingPayload, TAU_SIGNATURE_BYTES } from './tau-signature.js'
export type { TauSignatureFailure } from './tau-signature.js'
export { encodePeerBinding, decodePeerBinding, peerBindingFromNode } from './peer-binding-codec.js'
export type { PeerBinding, UnsignedPeerBinding } from './peer-binding-codec.js'
export { signPeerBinding, verifyPeerBinding, bindingPeerId } from './peer-binding.js'
export type { SignPeerBindingInit, VerifyPeerBindingOptions } from './peer-binding.js'

// IPLD selectors
export { parseSelector, isParsedSelector } from './selector/parse.js'
export { walkSelector } from './selector/walk.js'
export type { SelectorBlockLoader, WalkSelectorOptions } from './selector/walk.js'
export { encodeSelector, selectorDepth, selectorSize } from './selector/encode.js'
export { DEFAULT_MAX_RECURSION_DEPTH, DEFAULT_MAX_SELECTOR_NODES, DEFAULT_MAX_SELECTOR_NESTING, DEFAULT_MAX_NODES_VISITED } from './selector/limits.js'
export type { ParseSelectorOptions, WalkLimits } from './selector/limits.js'
export type { Selector, SelectorVisit } from './selector/types.js'

// graphsync v2 wire codec
export { encodeGraphsyncMessage, decodeGraphsyncMessage } from './graphsync/codec.js'
export type { GraphsyncDecodeLimits } from './graphsync/codec.js'
export { GraphsyncStatus, GRAPHSYNC_STATUS_NAMES, isGraphsyncStatus, isTerminal, isSuccess, isError } from './graphsync/message.js'
export type { GraphsyncMessage, GraphsyncRequest, GraphsyncResponse, GraphsyncBlock, GraphsyncLinkMetadatum, GraphsyncRequestType, GraphsyncLinkAction, GraphsyncExtensions, GraphsyncStatusCode } from './graphsync/message.js'
export { blockPrefix, cidFromPrefix, parseCidPrefix, encodeCidPrefix } from './graphsync/block-prefix.js'
export type { CidPrefix } from './graphsync/block-prefix.js'
export { GRAPHSYNC_PROTOCOL_V2, DEFAULT_GRAPHSYNC_MAX_MESSAGE_BYTES, DEFAULT_GRAPHSYNC_MAX_BLOCK_BYTES_PER_MESSAGE } from './graphsync/constants.js'
export { EXTENSION_DO_NOT_SEND_CIDS, EXTENSION_DO_NOT_SEND_FIRST_BLOCKS, EXTENSION_DEDUP_BY_KEY, readKnownExtensions, buildExtensions } from './graphsync/extensions.js'
export type { KnownGraphsyncExtensions } from './graphsync/extensions.js'

// HAMT (Filecoin HAMT v3 / go-hamt-ipld v3) and its proofs
export { Hamt } from './hamt/hamt.js'
export { MemoryBlockStore } from './hamt/memory-block-store.js'
export { proveHamtKey, verifyHamtProof, hamtPathBlocks, verifyHamtPath, encodeProofCar, DEFAULT_MAX_PROOF_BYTES } from './hamt/proof.js'
export { HAMT_EMPTY_ROOT, DEFAULT_HAMT_BIT_WIDTH, DEFAULT_HAMT_BUCKET_SIZE, resolveHamtOptions } from './hamt/types.js'
export type { BlockStore, HamtOptions, HamtConfig, HamtHashAlg } from './hamt/types.js'

// TAU attachments: TGZ pieces as raw blocks under a HAMT keyed 1..m
export { ATTACHMENT_PIECE_BYTES, ATTACHMENT_HAMT_OPTIONS, MAX_ATTACHMENT_PIECES, attachmentPieceKey, parseAttachmentPieceKey, parseAttachmentPieceValue, attachmentPieceCount } from './attachment.js'
