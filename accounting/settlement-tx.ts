/**
 * Settlement transactions (DESIGN.md §5.3): a TAU transfer from a payer to the operator, signed
 * by the payer's TAU key under `TAU_DOMAIN.settlement`, that an operator imports to credit the
 * payer's balance. Its txid is sha2-256 of its DAG-CBOR encoding including the signature; low-s
 * signatures are unique, so one transfer has exactly one txid.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { decodeDagCborBounded } from '../protocol/dag-cbor-bounded.js'
import { TAU_DOMAIN } from '../protocol/tau-domains.js'
import { signTau, verifyTau, TAU_SIGNATURE_BYTES } from '../protocol/tau-signature.js'
import { TAU_ADDRESS_BYTES } from '../protocol/tau-address.js'
import { MalformedSettlementError, SettlementSignatureError } from './errors.js'
import { checkAmountNanoTau } from './amounts.js'

/** Version of the settlement transaction layout. */
export const SETTLEMENT_TX_VERSION = 1
/** Largest encoded settlement transaction: its fields take ~150 bytes. */
export const MAX_SETTLEMENT_TX_BYTES = 1024

/** A signed TAU transfer to the operator. */
export interface SettlementTx {
  v: 1
  /** Payer's 20-byte TAU address; the signature must recover it. */
  from: Uint8Array
  /** Operator's 20-byte TAU address. */
  to: Uint8Array
  amountNanoTau: bigint
  /** Sender's transfer counter; one (from, nonce) pair is one transfer. */
  nonce: number
  tsMs: number
  /** 65-byte TAU signature by `from`. */
  sig: Uint8Array
}

/** A settlement transaction before signing. */
export type UnsignedSettlementTx = Omit<SettlementTx, 'sig'>

const FIELDS = ['v', 'from', 'to', 'amountNanoTau', 'nonce', 'tsMs', 'sig']

function signedBody (tx: UnsignedSettlementTx): Record<string, unknown> {
  return { v: tx.v, from: tx.from, to: tx.to, amountNanoTau: tx.amountNanoTau, nonce: tx.nonce, tsMs: tx.tsMs }
}

/** Checks the shape of a settlement transaction; throws MalformedSettlementError (or an amount error) naming the field. */
export function checkSettlementTx (value: unknown): SettlementTx {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedSettlementError('')
  const tx = value as Record<string, unknown>
  for (const key of Object.keys(tx)) {
    if (!FIELDS.includes(key)) throw new MalformedSettlementError(key, `unknown field ${key}`)
  }
  if (tx.v !== SETTLEMENT_TX_VERSION) throw new MalformedSettlementError('v')
  for (const field of ['from', 'to'] as const) {
    const address = tx[field]
    if (!(address instanceof Uint8Array) || address.length !== TAU_ADDRESS_BYTES) throw new MalformedSettlementError(field)
  }
  // DAG-CBOR decodes small integers as numbers; amounts are bigint in code
  const amount = typeof tx.amountNanoTau === 'number' && Number.isSafeInteger(tx.amountNanoTau) ? BigInt(tx.amountNanoTau) : tx.amountNanoTau
  for (const field of ['nonce', 'tsMs'] as const) {
    const n = tx[field]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new MalformedSettlementError(field)
  }
  if (!(tx.sig instanceof Uint8Array) || tx.sig.length !== TAU_SIGNATURE_BYTES) throw new MalformedSettlementError('sig')
  return {
    v: SETTLEMENT_TX_VERSION,
    from: tx.from as Uint8Array,
    to: tx.to as Uint8Array,
    amountNanoTau: checkAmountNanoTau(amount, 'amountNanoTau'),
    nonce: tx.nonce as number,
    tsMs: tx.tsMs as number,
    sig: tx.sig
  }
}

/** Signs a settlement transaction with the payer's TAU private key. */
export function signSettlementTx (privateKey: Uint8Array, tx: UnsignedSettlementTx): SettlementTx {
  const body = signedBody(tx)
  return { ...tx, sig: signTau(privateKey, TAU_DOMAIN.settlement, body) }
}

/** Verifies that the signature recovers `from`; throws SettlementSignatureError otherwise. */
export function verifySettlementTx (tx: SettlementTx): void {
  try {
    verifyTau(TAU_DOMAIN.settlement, signedBody(tx), tx.sig, tx.from)
  } catch (err: unknown) {
    const reason = err instanceof Error && 'reason' in err ? String(err.reason) : 'unverifiable'
    throw new SettlementSignatureError(reason)
  }
}

/** The DAG-CBOR encoding of a signed settlement transaction. */
export function encodeSettlementTx (tx: SettlementTx): Uint8Array {
  return dagCbor.encode({ ...signedBody(tx), sig: tx.sig })
}

/** Decodes and shape-checks a settlement transaction (the signature is not verified here). */
export function decodeSettlementTx (bytes: Uint8Array): SettlementTx {
  let value: unknown
  try {
    value = decodeDagCborBounded(bytes, { maxBytes: MAX_SETTLEMENT_TX_BYTES, maxDepth: 2, maxItems: 32 })
  } catch {
    throw new MalformedSettlementError('', 'settlement transaction is not valid DAG-CBOR')
  }
  return checkSettlementTx(value)
}

/** The txid: sha2-256 of the signed DAG-CBOR encoding. */
export function settlementTxid (tx: SettlementTx): Uint8Array {
  return sha256(encodeSettlementTx(tx))
}
