/**
 * Process lifecycle of `tau-relay start`: the first SIGINT or SIGTERM asks for a graceful stop; a
 * second one forces the exit (an operator pressing Ctrl-C twice means it); an uncaught exception
 * or unhandled rejection is logged once as fatal and exits non-zero, because the process state is
 * unknown after one (LevelDB and the transfer log recover from an abrupt exit by design).
 */
import type { Logger } from './logger.js'

/** Signals that stop the relay. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** Exit code of a forced exit (second signal) and of an uncaught error. */
export const EXIT_FORCED = 1

/** Longest wait for the logger to flush before exiting. */
export const LOG_FLUSH_TIMEOUT_MS = 1000

/** Flushes `logger`'s destination, waiting at most LOG_FLUSH_TIMEOUT_MS. */
export async function flushLogger (logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LOG_FLUSH_TIMEOUT_MS)
    try {
      logger.flush(() => {
        clearTimeout(timer)
        resolve()
      })
    } catch {
      clearTimeout(timer)
      resolve()
    }
  })
}

/** Resolves with the first stop signal; later ones force the exit. Installs fatal handlers for uncaught errors. */
export async function waitForStopSignal (logger: Logger): Promise<NodeJS.Signals> {
  const fatal = (what: string) => (err: unknown): void => {
    logger.fatal({ err }, what)
    void flushLogger(logger).finally(() => process.exit(EXIT_FORCED))
  }
  process.on('uncaughtException', fatal('uncaught exception'))
  process.on('unhandledRejection', fatal('unhandled rejection'))
  return new Promise((resolve) => {
    let received = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        logger.warn({ signal }, 'second signal: exiting without finishing the shutdown')
        void flushLogger(logger).finally(() => process.exit(EXIT_FORCED))
        return
      }
      received = true
      resolve(signal)
    }
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  })
}
