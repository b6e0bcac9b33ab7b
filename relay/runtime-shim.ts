/**
 * Node 20 runtime shim: the one module every entry point and test helper imports first.
 *
 * libp2p 3.x calls `Promise.withResolvers` (Node 22+; without it the noise handshake fails with
 * EncryptionFailedError) and dials WebSockets through a global `WebSocket` (Node 22+). Both are
 * installed only when absent, so the shim is a no-op on newer runtimes.
 */
import { WebSocket as WsWebSocket } from 'ws'

interface PromiseWithResolversShape<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const promiseCtor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> }

if (typeof promiseCtor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> (): PromiseWithResolversShape<T> {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((_resolve, _reject) => {
        resolve = _resolve
        reject = _reject
      })
      return { promise, resolve, reject }
    }
  })
}

const globals = globalThis as unknown as { WebSocket?: unknown }
if (globals.WebSocket === undefined) {
  globals.WebSocket = WsWebSocket
}

export {}
