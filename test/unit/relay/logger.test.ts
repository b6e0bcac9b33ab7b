/**
 * Proves the relay's log format: JSON lines with level, time, name and the component of a child
 * logger; rejections carry their reason; credentials are redacted; `pretty` output is human
 * text, not JSON; and `auto` picks JSON for a stream that is not a TTY.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { componentLogger, createLogger, logRejection } from '../../../relay/logger.js'
import type { LoggerInit } from '../../../relay/logger.js'

function capture (isTTY = false): { destination: NonNullable<LoggerInit['destination']>, lines: string[] } {
  const lines: string[] = []
  const destination = Object.assign(new Writable({
    write (chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
      cb()
    }
  }), { isTTY })
  return { destination, lines }
}

describe('logger', () => {
  it('writes JSON lines with the component of a child logger and the reason of a rejection', () => {
    const { destination, lines } = capture()
    const root = createLogger({ level: 'info', format: 'auto', destination })
    const http = componentLogger(root, 'http')
    logRejection(http, 'rate_limited', { ip: '192.0.2.1' })
    http.debug('not at info level')
    assert.equal(lines.length, 1)
    const line = JSON.parse(lines[0]) as Record<string, unknown>
    assert.equal(line.level, 30)
    assert.equal(line.name, 'tau-relay')
    assert.equal(line.component, 'http')
    assert.equal(line.reason, 'rate_limited')
    assert.equal(line.msg, 'rejected')
    assert.equal(typeof line.time, 'number')
  })

  it('redacts bearer tokens', () => {
    const { destination, lines } = capture()
    const root = createLogger({ format: 'json', destination })
    root.info({ req: { headers: { authorization: 'Bearer s3cret' } }, token: 's3cret' }, 'request')
    assert.doesNotMatch(lines[0], /s3cret/)
    assert.match(lines[0], /\[redacted\]/)
  })

  it('writes human-readable lines when pretty, as on a TTY', () => {
    const { destination, lines } = capture(true)
    const root = createLogger({ format: 'auto', destination })
    componentLogger(root, 'ledger').warn({ reason: 'busy' }, 'rejected')
    assert.equal(lines.length > 0, true)
    assert.throws(() => JSON.parse(lines[0]) as unknown, SyntaxError)
    // colours are on for a TTY; compare the text without them
    const text = lines.join('\n').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    assert.match(text, /WARN \(tau-relay\): rejected/)
    assert.match(text, /component: "ledger"/)
  })
})
