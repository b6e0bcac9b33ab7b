/**
 * Public API of `tau-relay`: the relay service and the requester/peer client toolkit.
 */
import './runtime-shim.js'

export {}
