// Proves settlement transactions round-trip through DAG-CBOR, verify only with the payer's
// signature (a forged or altered one is SettlementSignatureError), have a stable txid, and that
// malformed encodings are rejected with the field named.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { tauAddressFromPrivateKey } from '../../../protocol/tau-address.js'
import {
  decodeSettlementTx, encodeSettlementTx, settlementTxid, signSettlementTx, verifySettlementTx
} from '../../../accounting/settlement-tx.js'

const payerKey = sha256(new TextEncoder().encode('settlement-test payer'))
const operatorKey = sha256(new TextEncoder().encode('settlement-test operator'))
const unsigned = {
  v: 1 as const,
  from: tauAddressFromPrivateKey(payerKey),
  to: tauAddressFromPrivateKey(operatorKey),
  amountNanoTau: 5_000_000_000n,
  nonce: 7,
  tsMs: 1_700_000_000_000
}

describe('settlement transactions', () => {
  it('round-trips and verifies with the payer key', () => {
    const tx = signSettlementTx(payerKey, unsigned)
    verifySettlementTx(tx)
    const decoded = decodeSettlementTx(encodeSettlementTx(tx))
    assert.deepEqual(decoded, tx)
    assert.deepEqual(settlementTxid(decoded), sha256(encodeSettlementTx(tx)))
    // deterministic RFC 6979 signatures: signing again gives the same txid
    assert.deepEqual(settlementTxid(signSettlementTx(payerKey, unsigned)), settlementTxid(tx))
  })

  it('rejects a signature by another key and an altered amount', () => {
    const forged = signSettlementTx(operatorKey, unsigned)
    assert.throws(() => verifySettlementTx(forged), { name: 'SettlementSignatureError', reason: 'wrong_signer' })
    const altered = { ...signSettlementTx(payerKey, unsigned), amountNanoTau: 5_000_000_001n }
    assert.throws(() => verifySettlementTx(altered), { name: 'SettlementSignatureError', result: 'settlement_signature_invalid' })
    const truncated = { ...signSettlementTx(payerKey, unsigned), sig: new Uint8Array(65) }
    assert.throws(() => verifySettlementTx(truncated), { name: 'SettlementSignatureError' })
  })

  it('names the malformed field', () => {
    const tx = signSettlementTx(payerKey, unsigned)
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...tx, v: 2 }, 'v'],
      [{ ...tx, from: new Uint8Array(19) }, 'from'],
      [{ ...tx, to: 'T123' }, 'to'],
      [{ ...tx, nonce: -1 }, 'nonce'],
      [{ ...tx, tsMs: 1.5 }, 'tsMs'],
      [{ ...tx, sig: new Uint8Array(64) }, 'sig'],
      [{ ...tx, extra: 1 }, 'extra']
    ]
    for (const [value, field] of cases) {
      assert.throws(() => decodeSettlementTx(dagCbor.encode(value)), { name: 'MalformedSettlementError', field })
    }
    assert.throws(() => decodeSettlementTx(dagCbor.encode({ ...tx, amountNanoTau: 0 })), { name: 'AmountZeroError' })
    assert.throws(() => decodeSettlementTx(dagCbor.encode({ ...tx, amountNanoTau: 1n << 63n })), { name: 'AmountExceedsMaximumError' })
    assert.throws(() => decodeSettlementTx(dagCbor.encode({ ...tx, amountNanoTau: -1 })), { name: 'AmountNegativeError' })
    assert.throws(() => decodeSettlementTx(new Uint8Array([0xff])), { name: 'MalformedSettlementError' })
  })
})
