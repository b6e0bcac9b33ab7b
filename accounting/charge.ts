/**
 * Charges (DESIGN.md §5.2), pure: per block, in order, a block that fits entirely in the payer's
 * remaining free quota is free; otherwise its billable bytes (the part beyond the quota, which is
 * then used up) cost `ceil(bytes × perMiB / 2^20)` plus `perBlock`. Exact bigint arithmetic.
 */
import { InvalidByteCountError } from './errors.js'
import { checkAmountNanoTau } from './amounts.js'

/** Bytes in one MiB, the unit of `perMiB`. */
export const BYTES_PER_MIB = 1n << 20n

/** Prices of a policy document, in nanoTAU. */
export interface Pricing {
  /** Charged once for every block with billable bytes. */
  perBlockNanoTau: bigint
  /** Charged per MiB of billable bytes, pro rata, rounded up per block. */
  perMiBNanoTau: bigint
}

/** What one block costs. */
export interface BlockCharge {
  /** Bytes of the block paid by the free quota. */
  freeBytes: number
  /** Bytes of the block that are paid for. */
  billableBytes: number
  /** What the block costs. */
  chargeNanoTau: bigint
}

/** What a sequence of blocks costs. */
export interface TransferCharge extends BlockCharge {
  /** Number of blocks priced. */
  blocks: number
  /** Free quota left after the last block. */
  freeQuotaRemainingBytes: number
}

function checkBytes (value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidByteCountError(field)
  return value
}

function checkPricing (pricing: Pricing): void {
  checkAmountNanoTau(pricing.perBlockNanoTau, 'perBlockNanoTau', { allowZero: true })
  checkAmountNanoTau(pricing.perMiBNanoTau, 'perMiBNanoTau', { allowZero: true })
}

/** Cost of `billableBytes` bytes of one block: ceil(bytes × perMiB / 2^20) + perBlock (0 when nothing is billable). */
export function billableCharge (billableBytes: number, pricing: Pricing): bigint {
  if (billableBytes === 0) return 0n
  const bytes = BigInt(billableBytes)
  const perBytes = (bytes * pricing.perMiBNanoTau + BYTES_PER_MIB - 1n) / BYTES_PER_MIB
  return perBytes + pricing.perBlockNanoTau
}

/**
 * Seeding credit for serving `bytes` (DESIGN.md §5.1 `seedingCredit.perMiB`): floor(bytes × perMiB /
 * 2^20). Rounded down, unlike a charge, because it is the operator's money paid out: over many
 * small syncs the operator never pays more than the policy's rate.
 */
export function seedingCreditFor (bytes: number, perMiBNanoTau: bigint): bigint {
  checkBytes(bytes, 'bytes')
  checkAmountNanoTau(perMiBNanoTau, 'perMiBNanoTau', { allowZero: true })
  return BigInt(bytes) * perMiBNanoTau / BYTES_PER_MIB
}

/** Prices one block against the remaining free quota; returns its charge and the quota left after it. */
export function priceBlock (blockBytes: number, pricing: Pricing, freeQuotaRemainingBytes: number): BlockCharge & { freeQuotaRemainingBytes: number } {
  checkBytes(blockBytes, 'blockBytes')
  checkBytes(freeQuotaRemainingBytes, 'freeQuotaRemainingBytes')
  if (blockBytes <= freeQuotaRemainingBytes) {
    return { freeBytes: blockBytes, billableBytes: 0, chargeNanoTau: 0n, freeQuotaRemainingBytes: freeQuotaRemainingBytes - blockBytes }
  }
  const billableBytes = blockBytes - freeQuotaRemainingBytes
  return {
    freeBytes: freeQuotaRemainingBytes,
    billableBytes,
    chargeNanoTau: billableCharge(billableBytes, pricing),
    freeQuotaRemainingBytes: 0
  }
}

/** Prices a whole transfer: the blocks in the order they were forwarded. */
export function chargeBlocks (blockSizes: Iterable<number>, pricing: Pricing, freeQuotaRemainingBytes: number): TransferCharge {
  checkPricing(pricing)
  let quota = checkBytes(freeQuotaRemainingBytes, 'freeQuotaRemainingBytes')
  const total: TransferCharge = { blocks: 0, freeBytes: 0, billableBytes: 0, chargeNanoTau: 0n, freeQuotaRemainingBytes: quota }
  for (const size of blockSizes) {
    const block = priceBlock(size, pricing, quota)
    quota = block.freeQuotaRemainingBytes
    total.blocks++
    total.freeBytes += block.freeBytes
    total.billableBytes += block.billableBytes
    total.chargeNanoTau += block.chargeNanoTau
  }
  total.freeQuotaRemainingBytes = quota
  return total
}

/**
 * Incremental charge of one sync: `add()` each block as it is verified, and ask `wouldExceed()`
 * before forwarding it, so a sync stops before the block that would cost more than its hold.
 */
export class ChargeMeter {
  private readonly pricing: Pricing
  private quotaBytes: number
  private readonly total: TransferCharge

  constructor (pricing: Pricing, freeQuotaRemainingBytes: number) {
    checkPricing(pricing)
    this.pricing = pricing
    this.quotaBytes = checkBytes(freeQuotaRemainingBytes, 'freeQuotaRemainingBytes')
    this.total = { blocks: 0, freeBytes: 0, billableBytes: 0, chargeNanoTau: 0n, freeQuotaRemainingBytes: this.quotaBytes }
  }

  /** What the next block of `blockBytes` would cost, without recording it. */
  price (blockBytes: number): BlockCharge {
    const { freeBytes, billableBytes, chargeNanoTau } = priceBlock(blockBytes, this.pricing, this.quotaBytes)
    return { freeBytes, billableBytes, chargeNanoTau }
  }

  /** Whether adding a block of `blockBytes` would bring the total charge above `holdNanoTau`. */
  wouldExceed (blockBytes: number, holdNanoTau: bigint): boolean {
    return this.total.chargeNanoTau + this.price(blockBytes).chargeNanoTau > holdNanoTau
  }

  /** Records a forwarded block and returns what it cost. */
  add (blockBytes: number): BlockCharge {
    const block = priceBlock(blockBytes, this.pricing, this.quotaBytes)
    this.quotaBytes = block.freeQuotaRemainingBytes
    this.total.blocks++
    this.total.freeBytes += block.freeBytes
    this.total.billableBytes += block.billableBytes
    this.total.chargeNanoTau += block.chargeNanoTau
    this.total.freeQuotaRemainingBytes = this.quotaBytes
    return { freeBytes: block.freeBytes, billableBytes: block.billableBytes, chargeNanoTau: block.chargeNanoTau }
  }

  /** Totals of every block added so far. */
  totals (): TransferCharge {
    return { ...this.total }
  }
}
