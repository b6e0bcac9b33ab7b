/**
 * A seeded random workload of ledger operations for the model test (money-model.test.ts):
 * settlement imports (new, duplicate, nonce reuse, bad signature, wrong operator, zero), seeding
 * credits, holds of random sizes (zero, within and far over the balance, repeated ids), settles
 * priced from random blocks within and beyond their hold, releases, unknown and reused request ids,
 * and statements. The same seed always gives the same operations (given the same model answers).
 */
import { chargeBlocks } from '../../accounting/charge.js'
import { signSettlementTx } from '../../accounting/settlement-tx.js'
import { OPERATOR, testKey } from '../helpers/ledger.js'
import { modelCharge } from './ledger-model.js'
import type { SettlementTx } from '../../accounting/settlement-tx.js'
import type { TestKey } from '../helpers/ledger.js'
import type { LedgerModel } from './ledger-model.js'

/** One ledger operation. */
export type Op =
  | { kind: 'credit', tx: SettlementTx, asBytes: boolean, signatureValid: boolean }
  | { kind: 'seed', address: Uint8Array, amountNanoTau: bigint }
  | { kind: 'hold', requestId: Uint8Array, payer: Uint8Array, maxChargeNanoTau: bigint, maxFreeBytes?: number }
  | { kind: 'settle', requestId: Uint8Array, chargeNanoTau: bigint, freeBytesUsed: number, billableBytes: number }
  | { kind: 'release', requestId: Uint8Array }
  | { kind: 'statement', address: Uint8Array, fromMs: number, toMs: number }

/** Prices of the workload: the seed's default policy (1,000 nanoTAU per block, 10^6 per MiB). */
export const WORKLOAD_PRICING = { perBlockNanoTau: 1_000n, perMiBNanoTau: 1_000_000n }
/** Payers of the workload: few, so that operations contend for the same accounts. */
export const WORKLOAD_PAYERS: TestKey[] = ['ann', 'ben', 'cy', 'dee', 'eve'].map((n) => testKey(`model ${n}`))
const STRANGER = testKey('model stranger')
const NOT_OPERATOR = testKey('model not the operator')
const KIB = 1024

/** mulberry32: a small, fast, seedable PRNG (32-bit state). */
export class Rng {
  private state: number
  constructor (seed: number) { this.state = seed >>> 0 }
  /** A float in [0, 1). */
  next (): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [lo, hi]. */
  int (lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (items: readonly T[]): T { return items[Math.floor(this.next() * items.length)] }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/** Makes the operations; reads the model only to aim at live holds, never to predict answers. */
export class WorkloadGenerator {
  private readonly rng: Rng
  private readonly model: LedgerModel
  private readonly freeQuotaBytes: number
  private nextId = 1
  private readonly ids = new Map<string, Extract<Op, { kind: 'hold' }>>()
  private readonly settles = new Map<string, Extract<Op, { kind: 'settle' }>>()
  private readonly txs: SettlementTx[] = []
  private readonly nonces = new Map<string, number>()

  constructor (rng: Rng, model: LedgerModel, freeQuotaBytes: number) {
    this.rng = rng
    this.model = model
    this.freeQuotaBytes = freeQuotaBytes
  }

  /** The next operation at `nowMs`. */
  next (nowMs: number): Op {
    const r = this.rng.int(1, 100)
    if (r <= 14) return this.credit(nowMs)
    if (r <= 19) return { kind: 'seed', address: this.address().address, amountNanoTau: this.rng.chance(0.05) ? 0n : BigInt(this.rng.int(10_000, 1_000_000)) }
    if (r <= 51) return this.hold()
    if (r <= 78) return this.settle()
    if (r <= 96) return this.release()
    const fromMs = nowMs - this.rng.int(0, 400_000)
    return { kind: 'statement', address: this.address().address, fromMs, toMs: fromMs + this.rng.int(-1000, 400_000) }
  }

  private address (): TestKey {
    return this.rng.chance(0.03) ? STRANGER : this.rng.pick(WORKLOAD_PAYERS)
  }

  private freshId (): Uint8Array {
    const id = new Uint8Array(16)
    new DataView(id.buffer).setUint32(12, this.nextId++)
    id[0] = 0x4d
    return id
  }

  private credit (nowMs: number): Op {
    const known = this.txs.length > 0
    // 1–20 duplicate, 21–30 nonce reuse (both need an earlier transfer), 31–34 wrong operator, 35–36 zero, 37–40 bad signature
    const r = known ? this.rng.int(1, 100) : this.rng.int(31, 100)
    if (r <= 20) {
      const tx = this.rng.pick(this.txs)
      return { kind: 'credit', tx, asBytes: this.rng.chance(0.5), signatureValid: true }
    }
    const payer = this.rng.pick(WORKLOAD_PAYERS)
    const amountNanoTau = BigInt(this.rng.int(50_000, 5_000_000))
    if (r <= 30) {
      // another transfer under a nonce already used by its sender
      const used = this.rng.pick(this.txs)
      const key = WORKLOAD_PAYERS.find((k) => hex(k.address) === hex(used.from)) as TestKey
      const tx = signSettlementTx(key.privateKey, { v: 1, from: used.from, to: used.to, amountNanoTau: used.amountNanoTau + 1n, nonce: used.nonce, tsMs: nowMs })
      return { kind: 'credit', tx, asBytes: this.rng.chance(0.5), signatureValid: true }
    }
    const nonce = this.nonces.get(hex(payer.address)) ?? 0
    const toOperator = r > 34
    const to = toOperator ? OPERATOR.address : NOT_OPERATOR.address
    const amount = r === 35 || r === 36 ? 0n : amountNanoTau
    const tx = signSettlementTx(payer.privateKey, { v: 1, from: payer.address, to, amountNanoTau: amount, nonce, tsMs: nowMs })
    if (r >= 37 && r <= 40) {
      // the amount changed after signing: the signature no longer recovers the sender
      return { kind: 'credit', tx: { ...tx, amountNanoTau: amountNanoTau + 7n }, asBytes: this.rng.chance(0.5), signatureValid: false }
    }
    if (toOperator && amount > 0n) {
      this.nonces.set(hex(payer.address), nonce + 1)
      this.txs.push(tx)
    }
    return { kind: 'credit', tx, asBytes: this.rng.chance(0.5), signatureValid: true }
  }

  private hold (): Op {
    const r = this.rng.int(1, 100)
    const issued = [...this.ids.values()]
    if (r <= 10 && issued.length > 0) return this.rng.pick(issued)
    if (r <= 18 && issued.length > 0) {
      const first = this.rng.pick(issued)
      return { ...first, maxChargeNanoTau: first.maxChargeNanoTau + 1n }
    }
    const x = this.rng.int(1, 100)
    const maxChargeNanoTau = x <= 10 ? 0n : x <= 30 ? 10n ** 12n + BigInt(this.rng.int(0, 1000)) : BigInt(this.rng.int(1, 3_000_000))
    const maxFreeBytes = this.rng.chance(0.25) ? undefined : this.rng.int(0, Math.floor(this.freeQuotaBytes * 0.7))
    const op: Extract<Op, { kind: 'hold' }> = { kind: 'hold', requestId: this.freshId(), payer: this.address().address, maxChargeNanoTau, ...(maxFreeBytes === undefined ? {} : { maxFreeBytes }) }
    this.ids.set(hex(op.requestId), op)
    return op
  }

  /** Blocks of a sync, priced against the hold's free bytes; the meter usually stops before the hold is exceeded. */
  private priced (requestId: Uint8Array, heldNanoTau: bigint, heldFreeBytes: number): Extract<Op, { kind: 'settle' }> {
    let sizes = Array.from({ length: this.rng.int(0, 6) }, () => this.rng.int(1, 300 * KIB))
    const price = (s: number[]): ReturnType<typeof modelCharge> => modelCharge(s, WORKLOAD_PRICING.perBlockNanoTau, WORKLOAD_PRICING.perMiBNanoTau, heldFreeBytes)
    if (this.rng.chance(0.7)) while (sizes.length > 0 && price(sizes).chargeNanoTau > heldNanoTau) sizes = sizes.slice(0, -1)
    const c = price(sizes)
    const real = chargeBlocks(sizes, WORKLOAD_PRICING, heldFreeBytes)
    if (real.chargeNanoTau !== c.chargeNanoTau || real.freeBytes !== c.freeBytes || real.billableBytes !== c.billableBytes) {
      throw new Error(`charge.ts disagrees with DESIGN.md §5.2 on blocks [${sizes.join(', ')}] with ${heldFreeBytes} free bytes`)
    }
    const freeBytesUsed = this.rng.chance(0.04) ? heldFreeBytes + this.rng.int(1, 1000) : c.freeBytes
    const op: Extract<Op, { kind: 'settle' }> = { kind: 'settle', requestId, chargeNanoTau: c.chargeNanoTau, freeBytesUsed, billableBytes: c.billableBytes }
    return op
  }

  private settle (): Op {
    const r = this.rng.int(1, 100)
    const open = [...this.model.holds.entries()]
    const done = [...this.settles.values()]
    if (r <= 65 && open.length > 0) {
      const [id, hold] = this.rng.pick(open)
      const op = this.priced(fromHex(id), hold.heldNanoTau, hold.heldFreeBytes)
      if (!this.settles.has(id)) this.settles.set(id, op)
      return op
    }
    if (r <= 77 && done.length > 0) return this.rng.pick(done)
    if (r <= 83 && done.length > 0) {
      const first = this.rng.pick(done)
      return { ...first, billableBytes: first.billableBytes + 1 }
    }
    if (r <= 93 && this.ids.size > 0) {
      // an id whose hold may still be in flight in the same batch, or was refused, or released
      const hold = this.rng.pick([...this.ids.values()])
      return this.priced(hold.requestId, hold.maxChargeNanoTau, Math.min(hold.maxFreeBytes ?? this.freeQuotaBytes, this.freeQuotaBytes))
    }
    return { kind: 'settle', requestId: this.freshId(), chargeNanoTau: 0n, freeBytesUsed: 0, billableBytes: 0 }
  }

  private release (): Op {
    const open = [...this.model.holds.keys()]
    if (this.rng.chance(0.6) && open.length > 0) return { kind: 'release', requestId: fromHex(this.rng.pick(open)) }
    if (this.rng.chance(0.7) && this.ids.size > 0) return { kind: 'release', requestId: this.rng.pick([...this.ids.values()]).requestId }
    return { kind: 'release', requestId: this.freshId() }
  }
}

/** An operation as one line of text, for failure messages. */
export function describeOp (op: Op): string {
  return JSON.stringify(op, (_, v: unknown) => typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? hex(v) : v)
}
