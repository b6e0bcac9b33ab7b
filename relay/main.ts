#!/usr/bin/env node
/**
 * The `tau-relay` executable: runs one CLI command (relay/cli.ts) and exits with its code.
 * `tau-relay start` runs the relay until SIGINT/SIGTERM (relay/cli/start.ts, relay/signals.ts).
 */
import './runtime-shim.js'
import { runCli } from './cli.js'

process.exitCode = await runCli(process.argv.slice(2))
