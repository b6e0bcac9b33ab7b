#!/usr/bin/env node
/**
 * The `tau-relay` executable. The relay service lands with the relay issue; until then `start`
 * says so plainly and exits 0, so `npm ci && npm start` works on a fresh machine.
 */
import './runtime-shim.js'
import { runCli } from './cli.js'

process.exitCode = await runCli(process.argv.slice(2))
