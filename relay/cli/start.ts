/**
 * `tau-relay start`: loads the configuration (file, then `TAU_RELAY_*` environment), starts the
 * relay, logs one `relay started` line with the peer id, multiaddrs and HTTP URL when it is ready,
 * and runs until SIGINT or SIGTERM, then stops gracefully (relay/relay.ts) and exits 0.
 */
import { parseArgs } from 'node:util'
import { startRelay } from '../relay.js'
import { createLogger } from '../logger.js'
import { flushLogger, waitForStopSignal } from '../signals.js'
import { cliConfig } from './context.js'
import { EXIT, exitCodeFor } from './io.js'
import type { HttpAddress } from '../http/server.js'

/** Usage of `start`. */
export const START_USAGE = 'tau-relay start [--config FILE] [--data-dir DIR]'

/** A safety net after a clean stop: exit even if some foreign handle would keep the process alive. */
const EXIT_AFTER_STOP_MS = 2000

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** The URL of an HTTP address (IPv6 hosts in brackets). */
export function httpUrl (address: HttpAddress | undefined): string | null {
  if (address === undefined) return null
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `http://${host}:${address.port}`
}

/** Runs `start` until a stop signal; resolves to the exit code. */
export async function startCommand (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true })
  if (values.help) {
    console.log(START_USAGE)
    return EXIT.ok
  }
  const config = cliConfig(values)
  const logger = createLogger({ level: config.log.level, format: config.log.format })
  const stopSignal = waitForStopSignal(logger)
  let relay
  try {
    relay = await startRelay(config, { logger })
  } catch (err: unknown) {
    logger.fatal({ err }, 'relay failed to start')
    await flushLogger(logger)
    return exitCodeFor(err)
  }
  logger.info({ peerId: relay.peerId, multiaddrs: relay.multiaddrs, http: httpUrl(relay.httpAddress) }, 'relay started')
  const signal = await stopSignal
  logger.info({ signal }, 'stopping')
  await relay.stop()
  logger.info('relay stopped')
  await flushLogger(logger)
  setTimeout(() => process.exit(EXIT.ok), EXIT_AFTER_STOP_MS).unref()
  return EXIT.ok
}
