/**
 * Counts circuits and their bytes (DESIGN.md §4.5, §7). The connection gater is asked before a
 * circuit opens but never told when it closes, so circuits are tracked on the STOP stream the
 * relay opens to the destination for each one (circuit v2: one outbound `/libp2p/circuit/relay/
 * 0.2.0/stop` stream per circuit), through registrar middleware: the stream is in the set while
 * it is open, and every byte it carries either way is a relayed byte (plus the ~50-byte STOP
 * handshake). Bytes are observed by wrapping `send` and `dispatchEvent`, never by adding a
 * `message` listener, which would start the stream's delivery before the relay pipes it.
 */
import { RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { Connection, ComponentLogger, Logger, Startable, Stream, StreamMiddleware } from '@libp2p/interface'
import type { CircuitTracer } from './metrics.js'

/** What the tracker uses. */
export interface CircuitTrackerComponents {
  registrar: {
    use: (protocol: string, middleware: StreamMiddleware[]) => void
    unuse: (protocol: string) => void
  }
  logger: ComponentLogger
}

/** Tracker settings. */
export interface CircuitTrackerInit {
  tracer?: CircuitTracer
}

/** Open circuits and their byte counts. */
export class CircuitTracker implements Startable {
  private readonly components: CircuitTrackerComponents
  private readonly tracer: CircuitTracer | undefined
  private readonly log: Logger
  private readonly open = new Set<Stream>()

  constructor (components: CircuitTrackerComponents, init: CircuitTrackerInit = {}) {
    this.components = components
    this.tracer = init.tracer
    this.log = components.logger.forComponent('tau-relay:circuits')
  }

  readonly [Symbol.toStringTag] = 'tau-relay/circuit-tracker'

  start (): void {
    this.components.registrar.use(RELAY_V2_STOP_CODEC, [this.middleware])
  }

  stop (): void {
    this.components.registrar.unuse(RELAY_V2_STOP_CODEC)
  }

  /** Circuits open now. */
  get size (): number {
    return this.open.size
  }

  private readonly middleware: StreamMiddleware = (stream: Stream, connection: Connection, next) => {
    if (stream.direction === 'outbound') this.track(stream)
    next(stream, connection)
  }

  private track (stream: Stream): void {
    const tracer = this.tracer
    this.open.add(stream)
    tracer?.circuitOpened()
    const send = stream.send.bind(stream)
    stream.send = (data) => {
      tracer?.circuitBytes(data.byteLength)
      return send(data)
    }
    const dispatch = stream.dispatchEvent.bind(stream)
    stream.dispatchEvent = (evt: Event): boolean => {
      if (evt.type === 'message') tracer?.circuitBytes((evt as Event & { data: { byteLength: number } }).data.byteLength)
      return dispatch(evt)
    }
    stream.addEventListener('close', () => {
      if (this.open.delete(stream)) tracer?.circuitClosed()
    }, { once: true })
    this.log.trace('circuit opened on stream %s', stream.id)
  }
}

/** The libp2p service factory of the tracker. */
export function circuitTracker (init: CircuitTrackerInit = {}): (components: CircuitTrackerComponents) => CircuitTracker {
  return (components) => new CircuitTracker(components, init)
}
