/**
 * Child process of relay-sync-cli.test.ts: runs one of the peer toolkit commands (`peer serve`,
 * `fetch`, `log verify`) the way `tau-relay` does, so the test drives real processes without
 * the rest of the CLI.
 */
import '../../relay/runtime-shim.js'
import { fetchCommand } from '../../relay/cli/fetch.js'
import { exitCodeFor } from '../../relay/cli/io.js'
import { logVerifyCommand } from '../../relay/cli/log-verify.js'
import { peerCommand } from '../../relay/cli/peer.js'

const [command, ...args] = process.argv.slice(2)
try {
  if (command === 'peer') process.exitCode = await peerCommand(args)
  else if (command === 'fetch') process.exitCode = await fetchCommand(args)
  else if (command === 'log' && args[0] === 'verify') process.exitCode = await logVerifyCommand(args.slice(1))
  else process.exitCode = 2
} catch (err: unknown) {
  process.stderr.write(`child: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = exitCodeFor(err)
}
