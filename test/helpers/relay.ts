/**
 * Test helper: in-process relays (relay/relay.ts) on loopback port 0 in a mkdtemp data dir, a
 * policy with chosen `circuit` terms, and client nodes that reserve a circuit relay slot.
 */
import '../../relay/runtime-shim.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createPolicyDocument, signPolicyDocument } from '../../protocol/policy-document.js'
import { loadConfig } from '../../relay/config.js'
import { createLogger } from '../../relay/logger.js'
import { startRelay } from '../../relay/relay.js'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { PolicyCircuit } from '../../protocol/policy-schema.js'
import type { RelayConfig } from '../../relay/config.js'
import type { Relay } from '../../relay/relay.js'

/** A relay's config for tests: data in `dir`, TCP (and optionally WS) on 127.0.0.1 port 0, HTTP port 0, silent logs. */
export function testRelayConfig (dir: string, env: Record<string, string> = {}): RelayConfig {
  return loadConfig({
    env: {
      TAU_RELAY_DATA_DIR: dir,
      TAU_RELAY_LISTEN: '/ip4/127.0.0.1/tcp/0',
      TAU_RELAY_HTTP_LISTEN: '127.0.0.1:0',
      TAU_RELAY_LOG_LEVEL: 'silent',
      ...env
    },
    cwd: dir
  })
}

/** A started relay and its temporary data dir. */
export interface TestRelay {
  relay: Relay
  dir: string
  /** Publishes a policy like the current one with `circuit` changed, in force now. */
  setCircuit: (circuit: Partial<PolicyCircuit>) => Promise<void>
  /** The relay's TCP address with its peer id. */
  addr: () => string
  cleanup: () => Promise<void>
}

/** Starts a relay in a new temporary data dir, with `circuit` terms published over the initial policy. */
export async function startTestRelay (circuit: Partial<PolicyCircuit> = {}, dir?: string): Promise<TestRelay> {
  const root = dir ?? await mkdtemp(join(tmpdir(), 'tau-relay-'))
  // tests open many connections from 127.0.0.1 within a second: lift libp2p's 5/s per-IP rate
  const relay = await startRelay(testRelayConfig(root), { logger: createLogger({ level: 'silent', format: 'json' }), node: { inboundConnectionThreshold: 1000 } })
  const setCircuit = async (terms: Partial<PolicyCircuit>): Promise<void> => {
    const current = (await relay.policyStore.current()).doc
    const unsigned = createPolicyDocument({ relay: current.relay, issuedAtMs: Math.max(Date.now(), current.issuedAtMs + 1), circuit: { ...current.circuit, ...terms } })
    await relay.policyStore.publish(signPolicyDocument(unsigned, relay.dataDir.tauPrivateKey))
  }
  if (Object.keys(circuit).length > 0) await setCircuit(circuit)
  return {
    relay,
    dir: root,
    setCircuit,
    addr: () => relay.multiaddrs.find((a) => !a.includes('/ws')) ?? relay.multiaddrs[0],
    cleanup: async () => {
      await relay.stop()
      if (dir === undefined) await rm(root, { recursive: true, force: true })
    }
  }
}

/** A client node with the circuit relay transport, dialling over TCP. */
export type TestClient = Libp2p<{ identify: Identify }>

/** Starts a client; with `reserveOn` it listens on `<relay>/p2p-circuit`, so start reserves a slot (and fails if refused). */
export async function createTestClient (options: { privateKey?: PrivateKey, reserveOn?: string } = {}): Promise<TestClient> {
  const listen = ['/ip4/127.0.0.1/tcp/0']
  if (options.reserveOn !== undefined) listen.push(`${options.reserveOn}/p2p-circuit`)
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport({ reservationCompletionTimeout: 5_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** Tries to reserve on `relayAddr`: the started client, or the error that refused it. */
export async function tryReserve (relayAddr: string, privateKey?: PrivateKey): Promise<{ client?: TestClient, error?: Error }> {
  try {
    return { client: await createTestClient({ privateKey, reserveOn: relayAddr }) }
  } catch (err: unknown) {
    return { error: err as Error }
  }
}
