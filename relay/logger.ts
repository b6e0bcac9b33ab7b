/**
 * The relay's own event log (DESIGN.md §7): pino JSON lines, one object per event, human-readable
 * through pino-pretty when stdout is a TTY. libp2p's internal debug logs are separate and stay
 * where libp2p puts them: `DEBUG=libp2p:*` still turns them on (we never touch the `debug` module).
 * Components log through `componentLogger(root, 'http')`, which adds `component` to every line.
 * Rejections go through `logRejection` so each is logged once, with its reason as a field.
 */
import { pino } from 'pino'
import PinoPretty from 'pino-pretty'
import type { Logger, DestinationStream, Level } from 'pino'
import type { LOG_FORMATS, LOG_LEVELS } from './config-schema.js'

export type { Logger } from 'pino'

/** How the root logger is made. */
export interface LoggerInit {
  /** @default 'info' */
  level?: typeof LOG_LEVELS[number]
  /** `auto` = pretty on a TTY, JSON otherwise. @default 'auto' */
  format?: typeof LOG_FORMATS[number]
  /** Where lines go (tests pass a stream). @default stdout */
  destination?: DestinationStream & { isTTY?: boolean }
}

/** Name field of every line of the relay's own log. */
export const LOGGER_NAME = 'tau-relay'

/** The root logger of one relay process. */
export function createLogger (init: LoggerInit = {}): Logger {
  const destination = init.destination ?? pino.destination({ dest: 1, sync: false })
  const isTTY = init.destination === undefined ? process.stdout.isTTY : init.destination.isTTY === true
  const format = init.format ?? 'auto'
  const pretty = format === 'pretty' || (format === 'auto' && isTTY)
  const options = {
    name: LOGGER_NAME,
    level: init.level ?? 'info',
    // epoch ms is what the ledger and log use too; pino-pretty renders it readable
    timestamp: pino.stdTimeFunctions.epochTime,
    // never log a credential, even when a request object lands in a log call by mistake
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token', 'adminToken'], censor: '[redacted]' }
  }
  if (!pretty) return pino(options, destination)
  // a stream, not a worker transport: no thread, and lines stay in order with process exit
  const stream = PinoPretty({ colorize: isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination, sync: true })
  return pino(options, stream)
}

/** A child logger whose lines carry `component` (e.g. `http`, `ledger`, `relay-sync`). */
export function componentLogger (root: Logger, component: string): Logger {
  return root.child({ component })
}

/** Logs one rejection with its reason (a closed-union label) at `level`. */
export function logRejection (logger: Logger, reason: string, fields: Record<string, unknown> = {}, level: Level = 'info'): void {
  logger[level]({ ...fields, reason }, 'rejected')
}
