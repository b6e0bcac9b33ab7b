/**
 * Command-line front end of `tau-relay`. Returns the process exit code instead of exiting, so
 * tests can run it in-process and `main.ts` owns the process.
 */

const USAGE = `usage: tau-relay <command>

commands:
  start     run the relay (not yet: lands with the relay issue)
  help      print this text`

/** Runs one CLI invocation and resolves to its exit code. */
export async function runCli (argv: string[]): Promise<number> {
  const [command] = argv
  switch (command) {
    case 'start':
      console.log('tau-relay: the relay service is not built yet; this command will start it once the relay issue lands.')
      return 0
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return 0
    default:
      console.error(`tau-relay: unknown command '${command}'\n\n${USAGE}`)
      return 2
  }
}
