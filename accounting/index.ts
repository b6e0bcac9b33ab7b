/**
 * Public API of `tau-relay/accounting`: ledger, charges, policy store and transfer log.
 */
export {}
