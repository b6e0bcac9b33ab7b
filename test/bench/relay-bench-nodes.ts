/**
 * Plumbing of the relay bench: the parent's end of a relay child's IPC channel, the requester node
 * (graphsync + the circuit transport, on the graphsync bench's stack settings) and the bare client
 * node that only holds a circuit reservation.
 */
import '../../relay/runtime-shim.js'
import { fork } from 'node:child_process'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { graphsync } from '../../relay/graphsync/index.js'
import { testKey } from '../helpers/ledger.js'
import { DEFAULT_STACK_SETTINGS } from './graphsync-bench-node.js'
import type { GraphsyncService } from '../../relay/graphsync/index.js'
import type { FromRelayChild, RelayChildInit, RelayStats, ToRelayChild } from './relay-bench-child.js'
import type { Libp2p } from 'libp2p'
import type { ChildProcess } from 'node:child_process'

/** The payer of every relay sync (the bench fits in the relay's free quota). */
export const BENCH_PAYER = testKey('relay bench payer')

/** A requester: graphsync for the direct and stock-circuit cases, a dialer for RelaySyncClient. */
export type RequesterNode = Libp2p<{ graphsync: GraphsyncService }>

/** Starts a requester that listens nowhere (it only dials). */
export async function createRequester (): Promise<RequesterNode> {
  const settings = DEFAULT_STACK_SETTINGS
  return createLibp2p({
    addresses: { listen: [] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      maxMessageSize: settings.maxMessageSize,
      streamOptions: { maxStreamWindowSize: settings.maxStreamWindowSize, maxReadBufferLength: settings.maxReadBufferLength }
    })],
    connectionManager: { maxConnections: 10_000 },
    services: { identify: identify(), graphsync: graphsync() }
  }) as never
}

/** Starts a node whose only listen address is `<relay>/p2p-circuit`: it reserves a slot there, or fails. */
export async function createReservingClient (relayAddr: string): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [`${relayAddr}/p2p-circuit`] },
    transports: [tcp(), circuitRelayTransport({ reservationCompletionTimeout: 30_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** A relay child process and its IPC channel: readiness, resource readings, stop. */
export class RelayChild {
  readonly ready: Promise<string>
  private readonly child: ChildProcess
  private readonly pending = new Map<number, (stats: RelayStats) => void>()
  private nextId = 0

  constructor (init: RelayChildInit) {
    this.child = fork(new URL('./relay-bench-child.js', import.meta.url), [JSON.stringify(init)], { execArgv: [...process.execArgv, '--expose-gc'] })
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => { reject(new Error(`relay child exited with ${String(code)}`)) })
      this.child.on('message', (message: FromRelayChild) => {
        if (message.type === 'ready') resolve(message.addr)
        else this.pending.get(message.id)?.(message.stats)
      })
    })
  }

  /** The child's CPU time so far and its memory now (after a full GC when `gc`). */
  async stats (gc = false): Promise<RelayStats> {
    const id = this.nextId++
    const reading = new Promise<RelayStats>((resolve) => { this.pending.set(id, resolve) })
    this.send({ type: 'stats', id, gc })
    return reading.finally(() => this.pending.delete(id))
  }

  /** Asks the child to stop and waits for it to exit. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return
    const exited = new Promise<void>((resolve) => { this.child.once('exit', () => { resolve() }) })
    this.send({ type: 'stop' })
    await exited
  }

  private send (message: ToRelayChild): void {
    this.child.send(message)
  }
}
