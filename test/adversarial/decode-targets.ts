/**
 * Test helper: every decoder of outside bytes, each with the checks that run right after it on the
 * same input (signatures, selectors, block prefixes), and valid encodings to mutate. Byte targets
 * take the bytes a peer or a file delivers; JSON targets take the parsed body an HTTP client sent.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { base58btc } from 'multiformats/bases/base58'
import { toHex } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { decodeSettlementTx, encodeSettlementTx, verifySettlementTx } from '../../accounting/settlement-tx.js'
import { verifyReceipt } from '../../accounting/receipt-verify.js'
import { TRANSFER_LOG_HAMT_OPTIONS } from '../../accounting/transfer-log-keys.js'
import { cidFromPrefix, blockPrefix } from '../../protocol/graphsync/block-prefix.js'
import { decodeGraphsyncMessage, encodeGraphsyncMessage } from '../../protocol/graphsync/codec.js'
import { decodeFutureStateRequest, decodeFutureStateResponse, encodeFutureStateRequest, encodeFutureStateResponse } from '../../protocol/future-state.js'
import { decodeIdentityAck, decodeIdentityMessage, encodeIdentityAck, encodeIdentityMessage } from '../../protocol/identity-message.js'
import { decodeLogHead, encodeLogHead, verifyLogHead } from '../../protocol/log-head.js'
import { decodePeerBinding, encodePeerBinding } from '../../protocol/peer-binding-codec.js'
import { verifyPeerBinding } from '../../protocol/peer-binding.js'
import { decodePolicyDocument, encodePolicyDocument, signPolicyDocument, verifyPolicyDocument } from '../../protocol/policy-document.js'
import { policyFromJson, policyToJson } from '../../protocol/policy-json.js'
import { decodeSyncFrame, decodeSyncRequest, encodeSyncBlockFrame, encodeSyncRequest, encodeSyncResultFrame, signSyncRequest, verifySyncRequestSignature } from '../../protocol/relay-sync/codec.js'
import { parseSelector } from '../../protocol/selector/parse.js'
import { formatTauAddress } from '../../protocol/tau-address.js'
import { decodeTransferRecord, encodeTransferRecord } from '../../protocol/transfer-record.js'
import { decodeReceiptFile, encodeReceiptFile, verifyReceiptFile } from '../../relay/client/receipt-file.js'
import { accountsQuery, bindingBody, creditBody, peerParam, publishPolicyBody, statementQuery } from '../../relay/http/schemas.js'
import { settlement, testKey } from '../helpers/ledger.js'
import { EXPLORE_ALL_SELECTOR } from '../../relay/client/relay-sync-client.js'
import { BINDING, HEAD, ISSUED_MS, OPERATOR, OPERATOR_KEY, PAYER_KEY, POLICY, RECORD, REQUEST, RESULT, ROOT } from '../unit/protocol/messages-fixtures.js'
import { anyOf } from './typed-errors.js'
import { hamtSeeds } from './hamt-seeds.js'
import type { GenuineReceipts } from './genuine-receipt.js'

/** A decoder of bytes; `decode` may return a promise. */
export interface BytesTarget { name: string, kind: 'bytes', decode: (bytes: Uint8Array) => unknown, seeds: Uint8Array[] }
/** A decoder of a parsed JSON body. */
export interface JsonTarget { name: string, kind: 'json', decode: (json: unknown) => unknown, seeds: unknown[] }
/** Either kind. */
export type DecodeTarget = BytesTarget | JsonTarget

const NOW_MS = ISSUED_MS + 60_000

function graphsyncSeed (): Uint8Array {
  const id = new Uint8Array(16).fill(3)
  const data = dagCbor.encode({ hello: 'world' })
  return encodeGraphsyncMessage({
    requests: [{ id, type: 'new', priority: 7, root: ROOT, selector: EXPLORE_ALL_SELECTOR, extensions: new Map<string, unknown>([['graphsync/do-not-send-cids', [ROOT]]]) }],
    responses: [{ requestId: id, status: 20, metadata: [{ link: ROOT, action: 'present' }], extensions: new Map() }],
    blocks: [{ prefix: blockPrefix(CID.createV1(0x71, ROOT.multihash)), data }]
  })
}

function graphsyncDecode (bytes: Uint8Array): unknown {
  const message = decodeGraphsyncMessage(bytes)
  for (const block of message.blocks ?? []) cidFromPrefix(block.prefix, block.data)
  for (const request of message.requests ?? []) if (request.selector !== undefined) parseSelector(request.selector)
  return message
}

/** The byte and JSON targets; receipts come from a real ledger and transfer log. */
export async function decodeTargets (genuine: GenuineReceipts): Promise<DecodeTarget[]> {
  const hamt = await hamtSeeds()
  const receiptSeeds = genuine.receipts.map((r) => r.proof)
  const seqs = genuine.receipts.map((r) => r.record.seq)
  const payer = testKey('fuzz payer')
  const tx = settlement(payer, 1000n)
  const { sig: _sig, ...unsignedPolicy } = policyToJson(POLICY)
  const bindingJson = {
    tau: formatTauAddress(BINDING.tau),
    peer: base58btc.baseEncode(BINDING.peer),
    issuedAtMs: BINDING.issuedAtMs,
    expiresAtMs: BINDING.expiresAtMs,
    peerSig: toHex(BINDING.peerSig),
    tauSig: toHex(BINDING.tauSig)
  }
  return [
    { name: 'graphsync message', kind: 'bytes', decode: graphsyncDecode, seeds: [graphsyncSeed()] },
    {
      name: 'relay-sync request',
      kind: 'bytes',
      decode: (b) => { const r = decodeSyncRequest(b); verifySyncRequestSignature(r); return parseSelector(r.sel) },
      seeds: [encodeSyncRequest(signSyncRequest({ ...REQUEST, sel: EXPLORE_ALL_SELECTOR }, PAYER_KEY))]
    },
    { name: 'relay-sync frame', kind: 'bytes', decode: (b) => decodeSyncFrame(b), seeds: [encodeSyncBlockFrame(ROOT, Uint8Array.of(1, 2, 3)), encodeSyncResultFrame(RESULT)] },
    { name: 'future-state request', kind: 'bytes', decode: decodeFutureStateRequest, seeds: [encodeFutureStateRequest({ v: 1, chain: Uint8Array.of(0) })] },
    {
      name: 'future-state response',
      kind: 'bytes',
      decode: decodeFutureStateResponse,
      seeds: [
        encodeFutureStateResponse({ v: 1, chain: Uint8Array.of(0), root: ROOT, heightHint: 9, tsMs: ISSUED_MS, binding: BINDING }),
        encodeFutureStateResponse({ v: 1, chain: Uint8Array.of(0), error: 'not_active' })
      ]
    },
    { name: 'policy document (CBOR)', kind: 'bytes', decode: (b) => { verifyPolicyDocument(decodePolicyDocument(b)) }, seeds: [encodePolicyDocument(POLICY)] },
    {
      name: 'identity message',
      kind: 'bytes',
      decode: async (b) => anyOf('identity message', [async () => verifyPeerBinding(decodeIdentityMessage(b), { nowMs: NOW_MS }), () => decodeIdentityAck(b)]),
      seeds: [encodeIdentityMessage(BINDING), encodeIdentityAck({ ok: false, reason: 'expired' }), encodeIdentityAck({ ok: true })]
    },
    { name: 'peer binding', kind: 'bytes', decode: async (b) => verifyPeerBinding(decodePeerBinding(b), { nowMs: NOW_MS }), seeds: [encodePeerBinding(BINDING)] },
    { name: 'HAMT node', kind: 'bytes', decode: hamt.decode, seeds: hamt.nodes },
    { name: 'HAMT proof CAR', kind: 'bytes', decode: hamt.verifyProof, seeds: hamt.proofs },
    {
      name: 'receipt CAR',
      kind: 'bytes',
      decode: async (b) => anyOf('receipt CAR', seqs.map((seq) => () => verifyReceipt(b, { ...genuine.expect, seq, hamt: TRANSFER_LOG_HAMT_OPTIONS }))),
      seeds: receiptSeeds
    },
    {
      name: 'receipt file',
      kind: 'bytes',
      decode: (b) => verifyReceiptFile(decodeReceiptFile(b)),
      seeds: genuine.receipts.slice(0, 2).map((receipt) => encodeReceiptFile({ v: 1, relay: genuine.expect.expectedRelayAddress, receipt }))
    },
    { name: 'transfer record', kind: 'bytes', decode: decodeTransferRecord, seeds: [encodeTransferRecord(RECORD), encodeTransferRecord({ ...RECORD, root: null })] },
    { name: 'log head', kind: 'bytes', decode: (b) => { verifyLogHead(decodeLogHead(b), OPERATOR) }, seeds: [encodeLogHead(HEAD)] },
    { name: 'settlement tx', kind: 'bytes', decode: (b) => { verifySettlementTx(decodeSettlementTx(b)) }, seeds: [encodeSettlementTx(tx)] },
    {
      name: 'policy document (JSON)',
      kind: 'json',
      decode: async (j) => anyOf('policy JSON', [() => verifyPolicyDocument(policyFromJson(j)), () => policyFromJson(j, { signed: false })]),
      seeds: [policyToJson(POLICY), unsignedPolicy]
    },
    {
      name: 'admin bodies',
      kind: 'json',
      decode: async (j) => anyOf('admin bodies', [
        () => { verifySettlementTx(decodeSettlementTx(creditBody.parse(j).tx)) },
        () => {
          const { policy } = publishPolicyBody.parse(j)
          if ('sig' in policy) verifyPolicyDocument(policyFromJson(policy))
          else signPolicyDocument(policyFromJson(policy, { signed: false }), OPERATOR_KEY)
        },
        async () => verifyPeerBinding(bindingBody.parse(j), { nowMs: NOW_MS }),
        () => accountsQuery.parse(j),
        () => statementQuery.parse(j),
        () => peerParam.parse(j)
      ]),
      seeds: [
        { tx: toHex(encodeSettlementTx(tx)) }, { policy: policyToJson(POLICY) }, { policy: unsignedPolicy }, bindingJson,
        { after: formatTauAddress(payer.address), limit: '10' }, { fromMs: '0', toMs: '1700000000000' }, bindingJson.peer
      ]
    }
  ]
}
