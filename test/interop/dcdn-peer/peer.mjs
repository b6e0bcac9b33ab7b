// An independent graphsync v2 peer for tau-relay's interop tests: @dcdn/graphsync 0.2.5 on
// libp2p 0.40 (TCP + noise + yamux), serving the blocks of a CAR file and fetching on command.
//
//   node peer.mjs <blocks.car>
//
// stdout carries JSON lines only (dcdn's own console.log is sent to stderr):
//   {"ready": {"peerId", "multiaddrs": [...]}}                      once listening
//   {"block": {"id", "cid", "sha256", "size"}}                      each block its requester walked
//   {"response": {"id", "status", "metadata": n}}                   each response it received
//   {"done": {"id", "root", "blocks": n, "error"?: "..."}}          a fetch ended
//   {"event": {"type", ...}}                                        dcdn service events, stray errors
// stdin takes JSON lines:
//   {"fetch": {"id", "peer": "<multiaddr/p2p/..>", "root": "<cid>", "selector": {...}, "timeoutMs"?: n}}
//   {"quit": true}
import { createReadStream } from 'node:fs'
import { createHash, randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { GraphSync, Request, walkBlocks, BasicNode, parseContext } from '@dcdn/graphsync'
import { CarBlockIterator } from '@ipld/car/iterator'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'

/** A fetch that gets no answer ends after this long (dcdn's requester has no timeout of its own). */
const DEFAULT_FETCH_TIMEOUT_MS = 10_000

const write = (line) => { process.stdout.write(JSON.stringify(line) + '\n') }
const message = (err) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))

// dcdn logs decode failures with console.log: keep stdout for our JSON lines
console.log = (...args) => { console.error(...args) }

const carPath = process.argv[2]
if (carPath === undefined) {
  console.error('usage: node peer.mjs <blocks.car>')
  process.exit(2)
}

const served = new MemoryBlockstore()
for await (const { cid, bytes } of await CarBlockIterator.fromIterable(createReadStream(carPath))) {
  await served.put(cid, bytes)
}

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncryption: [noise()],
  streamMuxers: [yamux()]
})
await node.start()

const exchange = new GraphSync(node, served)
exchange.start()
for (const type of ['responseCompleted', 'requestCancelled', 'networkErrorListener']) {
  exchange.on(type, (detail) => {
    write({ event: { type, root: detail.root?.toString(), peer: detail.peer?.toString(), error: detail.error === undefined ? undefined : message(detail.error) } })
  })
}

/** Fetches `root` with `selector` from the peer at `peer` into a fresh store; reports each block. */
async function fetch ({ id, peer, root, selector, timeoutMs = DEFAULT_FETCH_TIMEOUT_MS }) {
  let blocks = 0
  let timer
  let requestId
  try {
    const connection = await node.dial(multiaddr(peer))
    // a fresh store per fetch, so every block must come over the wire; the request is registered
    // with the service that handles the protocol, which routes responses by request id
    const request = new Request(randomUUID(), CID.parse(root), selector, node, new MemoryBlockstore())
    requestId = request.id
    exchange.requests.set(request.id, request)
    request.on('incomingResponse', (response) => {
      write({ response: { id, status: response.stat, metadata: response.meta?.length ?? 0 } })
    })
    const opened = request.open(connection.remotePeer)
    const walk = (async () => {
      for await (const block of walkBlocks(new BasicNode(request.root), parseContext().parseSelector(selector), request)) {
        blocks++
        write({ block: { id, cid: block.cid.toString(), sha256: createHash('sha256').update(block.bytes).digest('hex'), size: block.bytes.length } })
      }
    })()
    const timeout = new Promise((resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no complete answer within ${timeoutMs} ms`)) }, timeoutMs)
    })
    await Promise.race([Promise.all([opened, walk]), timeout])
    write({ done: { id, root, blocks } })
  } catch (err) {
    write({ done: { id, root, blocks, error: message(err) } })
  } finally {
    clearTimeout(timer)
    exchange.requests.delete(requestId)
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  let command
  try {
    command = JSON.parse(line)
  } catch (err) {
    write({ event: { type: 'badCommand', error: message(err) } })
    return
  }
  if (command.quit === true) {
    void node.stop().finally(() => process.exit(0))
  } else if (command.fetch !== undefined) {
    void fetch(command.fetch)
  } else {
    write({ event: { type: 'badCommand', error: `unknown command: ${line}` } })
  }
})
lines.on('close', () => { void node.stop().finally(() => process.exit(0)) })

// a failure while starting crashes the process; once serving, stray errors are reported (the test
// asserts there were none) and the peer carries on
process.on('unhandledRejection', (reason) => { write({ event: { type: 'unhandledRejection', error: message(reason) } }) })
process.on('uncaughtException', (err) => { write({ event: { type: 'uncaughtException', error: message(err) } }) })
write({ ready: { peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(String) } })
