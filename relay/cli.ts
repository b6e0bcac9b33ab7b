/**
 * Command-line front end of `tau-relay`. Returns the process exit code instead of exiting, so
 * tests can run it in-process and `main.ts` owns the process. Each command lives in relay/cli/;
 * every error ends here as one line on stderr and an exit code (cli/io.ts `EXIT`).
 */
import { accountsCommand, ACCOUNTS_USAGE } from './cli/accounts.js'
import { attachmentCommand, ATTACHMENT_USAGE } from './cli/attachment.js'
import { demoCommand, DEMO_USAGE } from './cli/demo.js'
import { initCommand, INIT_USAGE } from './cli/init.js'
import { EXIT, exitCodeFor } from './cli/io.js'
import { fetchCommand, FETCH_USAGE } from './cli/fetch.js'
import { peerCommand, PEER_USAGE } from './cli/peer.js'
import { keysCommand, KEYS_USAGE } from './cli/keys.js'
import { logCommand, LOG_USAGE } from './cli/log.js'
import { policyCommand, POLICY_USAGE } from './cli/policy.js'
import { startCommand, START_USAGE } from './cli/start.js'

const USAGE = `usage: tau-relay <command>

commands:
  ${START_USAGE}
  ${INIT_USAGE}
  ${KEYS_USAGE}
  ${ACCOUNTS_USAGE.split('\n').join('\n  ')}
  ${POLICY_USAGE.split('\n').join('\n  ')}
  ${LOG_USAGE.split('\n').join('\n  ')}
  ${PEER_USAGE.split('\n').join('\n  ')}
  ${FETCH_USAGE.split('\n').join('\n  ')}
  ${ATTACHMENT_USAGE.split('\n').join('\n  ')}
  ${DEMO_USAGE}
  help      print this text

exit codes: 0 ok, 1 failure, 2 usage, 3 unavailable (ledger locked by a running relay, relay unreachable)`

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  init: initCommand,
  keys: keysCommand,
  accounts: accountsCommand,
  policy: policyCommand,
  log: logCommand,
  start: startCommand,
  peer: peerCommand,
  fetch: fetchCommand,
  attachment: attachmentCommand,
  demo: demoCommand
}

/** Runs one CLI invocation and resolves to its exit code. */
export async function runCli (argv: string[]): Promise<number> {
  const [command, ...args] = argv
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return EXIT.ok
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  if (run === undefined) {
    console.error(`tau-relay: unknown command '${command}'\n\n${USAGE}`)
    return EXIT.usage
  }
  try {
    return await run(args)
  } catch (err: unknown) {
    console.error(`tau-relay ${command}: ${err instanceof Error ? err.message : String(err)}`)
    return exitCodeFor(err)
  }
}
