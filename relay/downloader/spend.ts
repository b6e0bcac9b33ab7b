/**
 * The download's money: per route and in total, what was charged (receipts), what syncs that
 * ended without a receipt may have cost (their whole `maxCharge`, the hold the relay could have
 * drawn on), and what syncs in flight may still cost. A sync starts only when its full price fits
 * what is left under both caps after all of that, and its `maxCharge` is that price, so the relay
 * (which never charges past `maxCharge`) cannot take the download past a cap.
 */
import assert from 'node:assert'

/** Spend of one scope (a route or the whole download). */
export class SpendAccount {
  /** nanoTAU; undefined = no cap. */
  readonly cap: bigint | undefined
  charged = 0n
  unreceipted = 0n
  reserved = 0n

  constructor (cap: bigint | undefined) {
    this.cap = cap
  }

  /** Charged plus the holds without a receipt: the most spent so far. */
  get spent (): bigint {
    return this.charged + this.unreceipted
  }

  /** What a new sync may still use. */
  get left (): bigint | undefined {
    return this.cap === undefined ? undefined : this.cap - this.spent - this.reserved
  }

  fits (price: bigint): boolean {
    const left = this.left
    return left === undefined || price <= left
  }
}

/** Reserves `price` in every account, or nothing when one cannot fit it. */
export function reserve (accounts: readonly SpendAccount[], price: bigint): boolean {
  if (!accounts.every((a) => a.fits(price))) return false
  for (const account of accounts) account.reserved += price
  return true
}

/** Settles a reservation: `charge` from a verified receipt, or undefined when the sync ended without one. */
export function settle (accounts: readonly SpendAccount[], price: bigint, charge: bigint | undefined): void {
  // the client checked charge ≤ maxCharge (= price) before accepting the receipt
  assert(charge === undefined || charge <= price, 'a charge above the reserved price')
  for (const account of accounts) {
    account.reserved -= price
    if (charge === undefined) account.unreceipted += price
    else account.charged += charge
  }
}
