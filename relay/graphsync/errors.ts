/**
 * Typed errors of the graphsync transport (streams, timers). Protocol violations found by the
 * walk (UnexpectedBlockError, BlockHashMismatchError, …) live in protocol/errors.ts.
 */

/** A request ran out of time: the whole request (`request`) or a silence gap (`idle`). */
export class GraphsyncTimeoutError extends Error {
  static name = 'GraphsyncTimeoutError'
  readonly timeout: 'request' | 'idle'
  readonly timeoutMs: number

  constructor (timeout: 'request' | 'idle', timeoutMs: number, message = `graphsync ${timeout} timeout after ${timeoutMs} ms`) {
    super(message)
    this.name = 'GraphsyncTimeoutError'
    this.timeout = timeout
    this.timeoutMs = timeoutMs
  }
}

/**
 * A graphsync stream from the peer failed: reset or aborted (`reset`), or closed in the middle of
 * a length-prefixed message (`truncated`, DESIGN.md §9.3); or the peer's connection closed.
 */
export class GraphsyncStreamError extends Error {
  static name = 'GraphsyncStreamError'
  readonly reason: 'reset' | 'truncated' | 'disconnected'

  constructor (reason: 'reset' | 'truncated' | 'disconnected', message = `graphsync stream failed: ${reason}`) {
    super(message)
    this.name = 'GraphsyncStreamError'
    this.reason = reason
  }
}

/** A length prefix announcing a message larger than the limit (go-libp2p's 4 MiB MessageSizeMax). */
export class GraphsyncMessageTooLargeError extends Error {
  static name = 'GraphsyncMessageTooLargeError'
  readonly sizeBytes: number
  readonly maxSizeBytes: number

  constructor (sizeBytes: number, maxSizeBytes: number, message = `graphsync message of ${sizeBytes} bytes exceeds ${maxSizeBytes}`) {
    super(message)
    this.name = 'GraphsyncMessageTooLargeError'
    this.sizeBytes = sizeBytes
    this.maxSizeBytes = maxSizeBytes
  }
}

/** The graphsync service stopped while a request was in flight. */
export class GraphsyncStoppedError extends Error {
  static name = 'GraphsyncStoppedError'

  constructor (message = 'graphsync service stopped') {
    super(message)
    this.name = 'GraphsyncStoppedError'
  }
}
