/**
 * The libp2p stack both sides of the graphsync bench use (TCP + noise + yamux, nothing else), the
 * yamux settings under test, the plain-stream protocol the baseline copies bytes over, and the
 * attachment-shaped DAG (raw 256 KiB pieces under one dag-cbor index node).
 */
import '../../relay/runtime-shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { graphsync } from '../../relay/graphsync/index.js'
import { buildIndexDag, TestStore } from '../helpers/graphsync.js'
import type { GraphsyncInit, GraphsyncService } from '../../relay/graphsync/index.js'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

/** The baseline: a plain libp2p stream on which the responder writes the DAG's bytes and closes. */
export const RAW_COPY_PROTOCOL = '/tau-relay-bench/raw-copy/1.0.0'

/** Muxer and stream settings of one run (the ones DESIGN.md §9.1 found fastest by default). */
export interface StackSettings {
  /** yamux `streamOptions.maxStreamWindowSize`. */
  maxStreamWindowSize: number
  /** yamux `maxMessageSize` (largest data frame it writes). */
  maxMessageSize: number
  /** Read buffer of every stream (must exceed the window, §9.1). */
  maxReadBufferLength: number
}

/** 4 MiB window, 8 MiB read buffer (§9.1); yamux's own 64 KiB frames unless told otherwise. */
export const DEFAULT_STACK_SETTINGS: Readonly<StackSettings> = Object.freeze({
  maxStreamWindowSize: 4 * 1024 * 1024,
  maxMessageSize: 64 * 1024,
  maxReadBufferLength: 8 * 1024 * 1024
})

/** A bench node: graphsync plus whatever the caller registers. */
export type BenchNode = Libp2p<{ graphsync: GraphsyncService }>

/** Starts a node on 127.0.0.1 with the bench stack and a graphsync service. */
export async function createBenchNode (settings: StackSettings, init: GraphsyncInit): Promise<BenchNode> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      maxMessageSize: settings.maxMessageSize,
      streamOptions: { maxStreamWindowSize: settings.maxStreamWindowSize, maxReadBufferLength: settings.maxReadBufferLength }
    })],
    services: { graphsync: graphsync(init) }
  })
}

/** The attachment: `pieces` raw blocks of `pieceBytes` under one dag-cbor index, in a memory store. */
export function buildAttachment (pieces: number, pieceBytes: number): { store: TestStore, root: CID, pieces: CID[] } {
  const store = new TestStore()
  return { store, ...buildIndexDag(store, pieces, pieceBytes, 42) }
}
