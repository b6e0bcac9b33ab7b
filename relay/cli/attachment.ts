/**
 * `tau-relay attachment`: commands on TAU attachments, one entry per subcommand in SUBCOMMANDS.
 * - `attachment get`: downloads from several (relay, target) routes in parallel and unpacks
 *   (relay/cli/attachment-get.ts).
 * - `attachment unpack`: offline — reads the pieces of `--root` from a CAR (indexed, not loaded),
 *   verifies each against its CID, and unpacks the TGZ into `--out` (all or nothing).
 */
import { parseArgs } from 'node:util'
import { CID } from 'multiformats/cid'
import { attachmentFromCar } from '../attachments/car-index-store.js'
import { attachmentGetCommand, ATTACHMENT_GET_USAGE } from './attachment-get.js'
import { InvalidAttachmentIndexError } from '../attachments/errors.js'
import { readAttachmentIndex, readPieces } from '../attachments/piece-index.js'
import { unpackAttachment } from '../attachments/unpack.js'
import { CliUsageError, EXIT } from './io.js'

/** One `attachment` subcommand. */
interface Subcommand {
  usage: string
  run: (args: string[]) => Promise<number>
}

const UNPACK_USAGE = 'tau-relay attachment unpack --car FILE --root CID [--pieces M] --out DIR [--json]'

const UNPACK_OPTIONS = {
  car: { type: 'string' },
  root: { type: 'string' },
  pieces: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** `attachment unpack`: prints what was written. */
async function unpackCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: UNPACK_OPTIONS, allowPositionals: false, strict: true })
  if (values.help) {
    console.log(UNPACK_USAGE)
    return EXIT.ok
  }
  if (positionals.length > 0 || values.car === undefined || values.root === undefined || values.out === undefined) {
    throw new CliUsageError(`usage: ${UNPACK_USAGE}`)
  }
  let root: CID
  try {
    root = CID.parse(values.root)
  } catch {
    throw new CliUsageError(`--root is not a CID: ${values.root}`)
  }
  const expected = values.pieces === undefined ? undefined : Number(values.pieces)
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 1)) throw new CliUsageError('--pieces must be a positive integer')
  const { store } = await attachmentFromCar(values.car, root)
  try {
    const cids = await readAttachmentIndex(store, root)
    if (expected !== undefined && cids.length !== expected) {
      throw new InvalidAttachmentIndexError('wrong_piece_count', cids.length, `the index lists ${cids.length} pieces, not ${expected}`)
    }
    const unpacked = await unpackAttachment(readPieces(store, cids), values.out)
    const summary = { attachmentRoot: root.toString(), pieces: unpacked.pieces, bytes: unpacked.bytes, entries: unpacked.entries, out: unpacked.dest }
    if (values.json) console.log(JSON.stringify(summary))
    else console.log(`unpacked ${summary.attachmentRoot}\n  ${summary.pieces} pieces, ${summary.bytes} bytes of TGZ, ${summary.entries} entries\n  into ${summary.out}`)
    return EXIT.ok
  } finally {
    await store.close()
  }
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  unpack: { usage: UNPACK_USAGE, run: unpackCommand },
  get: { usage: ATTACHMENT_GET_USAGE, run: attachmentGetCommand }
}

/** Usage of `attachment`. */
export const ATTACHMENT_USAGE = Object.values(SUBCOMMANDS).map((s) => s.usage).join('\n')

/** Runs `attachment`. */
export async function attachmentCommand (args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(ATTACHMENT_USAGE)
    return EXIT.ok
  }
  const subcommand = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined
  if (subcommand === undefined) throw new CliUsageError(`unknown subcommand '${sub}'; usage:\n${ATTACHMENT_USAGE}`)
  return subcommand.run(rest)
}
