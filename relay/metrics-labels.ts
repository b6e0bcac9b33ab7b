/**
 * Closed label value sets of the relay's metrics (STYLE.md 5.7) that protocol/status.ts does not
 * own: reservation outcomes and rejection reasons, HTTP routes. Every value is pre-registered at
 * zero so dashboards and alerts see each series before its first event.
 */

/** Outcome of a circuit relay reservation request. */
export const RESERVATION_OUTCOMES = ['accepted', 'rejected'] as const
/** One reservation outcome. */
export type ReservationOutcome = typeof RESERVATION_OUTCOMES[number]

/** Why a reservation was refused (admission, DESIGN.md §4.5). */
export const RESERVATION_REJECTION_REASONS = [
  'too_many_reservations',
  'too_many_per_ip',
  'too_many_per_peer',
  'binding_required',
  'bad_binding',
  'insufficient_funds',
  'internal_error'
] as const
/** One reservation rejection reason. */
export type ReservationRejectionReason = typeof RESERVATION_REJECTION_REASONS[number]

/** HTTP routes, by name (the path templates in relay/http/routes/). */
export const HTTP_ROUTES = [
  'healthz', 'readyz', 'metrics', 'policy', 'log_head', 'log_proof',
  'admin_accounts', 'admin_account', 'admin_credit', 'admin_statement', 'admin_check',
  'admin_policy', 'admin_policy_history', 'admin_bindings', 'not_found'
] as const
/** One HTTP route name. */
export type HttpRoute = typeof HTTP_ROUTES[number]

/** HTTP status classes: one label per class keeps the series count fixed. */
export const HTTP_STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const
/** One HTTP status class. */
export type HttpStatusClass = typeof HTTP_STATUS_CLASSES[number]

/** The class of an HTTP status code. */
export function httpStatusClass (status: number): HttpStatusClass {
  if (status >= 500) return '5xx'
  if (status >= 400) return '4xx'
  if (status >= 300) return '3xx'
  return '2xx'
}

/** Why the HTTP layer refused a request before any route ran (logged once each, counted by reason). */
export const HTTP_REJECTION_REASONS = [
  'unauthorized', 'host_not_allowed', 'origin_not_allowed', 'rate_limited', 'body_too_large', 'malformed_json', 'invalid_request'
] as const
/** One HTTP rejection reason. */
export type HttpRejectionReason = typeof HTTP_REJECTION_REASONS[number]
