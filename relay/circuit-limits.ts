/**
 * The circuit relay v2 server's reservation settings from the policy's `circuit` section
 * (DESIGN.md §4.5, §5.1), as @libp2p/circuit-relay-v2 4.2 takes them.
 *
 * Units (DESIGN.md §9.4): the js server applies `defaultDurationLimit` as milliseconds
 * (`AbortSignal.timeout(limit.duration)`) and sends the same number in the `Limit.duration` field,
 * which the circuit v2 spec and go-libp2p read as seconds. We pass milliseconds, so the relay
 * enforces exactly `durationLimitMs`; a spec-following client then believes it has 1000× longer
 * than it has, and learns otherwise when the relay resets the circuit. Enforcing the operator's
 * limit matters more than the advertised number, which we cannot fix without forking the server.
 * The data limit counts bytes in both directions together.
 *
 * 0 in the policy means "no limit" for that dimension (the spec's "unlimited" when a field is
 * absent); the js server cannot leave one dimension out, so it gets the largest wire value.
 */
import type { PolicyCircuit } from '../protocol/policy-schema.js'
import type { ServerReservationStoreInit } from '@libp2p/circuit-relay-v2'

/** Largest `Limit.data` we send for "no data limit": 2^63 − 1 (uint64 on the wire, bigint in js). */
export const UNLIMITED_CIRCUIT_DATA_BYTES = 2n ** 63n - 1n
/** Largest `Limit.duration` for "no duration limit": 2^32 − 1 (uint32 on the wire), ~49.7 days in ms. */
export const UNLIMITED_CIRCUIT_DURATION_MS = 2 ** 32 - 1

/**
 * The reservation store init of the circuit relay server for `circuit`. With `ceiling`, the store's
 * own cap is that ceiling (admission enforces the policy's cap); without, the policy's.
 */
export function reservationStoreInit (circuit: PolicyCircuit, ceiling?: number): ServerReservationStoreInit {
  const unlimited = circuit.dataLimitBytes === 0 && circuit.durationLimitMs === 0
  return {
    maxReservations: ceiling === undefined ? circuit.maxReservations : Math.max(ceiling, circuit.maxReservations),
    reservationTtl: circuit.reservationTtlMs,
    applyDefaultLimit: !unlimited,
    defaultDataLimit: circuit.dataLimitBytes === 0 ? UNLIMITED_CIRCUIT_DATA_BYTES : BigInt(circuit.dataLimitBytes),
    defaultDurationLimit: circuit.durationLimitMs === 0 ? UNLIMITED_CIRCUIT_DURATION_MS : Math.min(circuit.durationLimitMs, UNLIMITED_CIRCUIT_DURATION_MS)
  }
}
