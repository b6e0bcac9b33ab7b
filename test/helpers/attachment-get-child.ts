/**
 * Child process of attachment-download.test.ts: runs `attachment get` the way `tau-relay` will once
 * the command is registered, so the test drives a real downloader process (killable mid-way).
 */
import '../../relay/runtime-shim.js'
import { attachmentGetCommand } from '../../relay/cli/attachment-get.js'
import { exitCodeFor } from '../../relay/cli/io.js'

try {
  process.exitCode = await attachmentGetCommand(process.argv.slice(2))
} catch (err: unknown) {
  process.stderr.write(`child: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = exitCodeFor(err)
}
