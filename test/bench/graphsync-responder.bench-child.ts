/**
 * The responder side of the graphsync bench, in its own process so its CPU time is its own: it
 * builds the attachment, serves it over graphsync and, for the baseline, writes the same pieces on
 * a plain stream. Driven over the fork IPC channel by graphsync.bench.ts: it answers `cpu` with
 * `process.cpuUsage()` and exits on `stop`. Argument: JSON of `ResponderChildInit`.
 */
import { buildAttachment, createBenchNode, RAW_COPY_PROTOCOL } from './graphsync-bench-node.js'
import type { StackSettings } from './graphsync-bench-node.js'
import type { GraphsyncInit } from '../../relay/graphsync/index.js'
import type { Stream } from '@libp2p/interface'

/** What the parent passes as argv[2]. */
export interface ResponderChildInit {
  pieces: number
  pieceBytes: number
  settings: StackSettings
  graphsync: GraphsyncInit
}

/** Messages from the parent. */
export type ToChild = { type: 'cpu', id: number } | { type: 'stop' }
/** Messages to the parent. */
export type FromChild =
  { type: 'ready', addr: string, root: string, bytes: number } |
  { type: 'cpu', id: number, user: number, system: number }

const init = JSON.parse(process.argv[2] ?? '{}') as ResponderChildInit
const send = (message: FromChild): void => { process.send?.(message) }
const { store, root, pieces } = buildAttachment(init.pieces, init.pieceBytes)
const pieceBytes = pieces.map((cid) => store.blocks.get(cid.toString()) as Uint8Array)
const node = await createBenchNode(init.settings, { ...init.graphsync, blockStore: store })

/** Copies every piece to the stream with backpressure, then closes it. */
async function copyPieces (stream: Stream): Promise<void> {
  try {
    for (const bytes of pieceBytes) {
      if (!stream.send(bytes)) await stream.onDrain()
    }
    await stream.close()
  } catch (err: unknown) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

await node.handle(RAW_COPY_PROTOCOL, (stream) => { void copyPieces(stream) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })

/** Stops the node and leaves (the parent asked, or went away). */
async function exit (): Promise<void> {
  try {
    await node.stop()
  } finally {
    process.exit(0)
  }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    send({ type: 'cpu', id: message.id, user, system })
  } else {
    void exit()
  }
})
process.on('disconnect', () => { void exit() })

send({
  type: 'ready',
  addr: node.getMultiaddrs()[0].toString(),
  root: root.toString(),
  bytes: pieceBytes.reduce((n, bytes) => n + bytes.byteLength, 0)
})
