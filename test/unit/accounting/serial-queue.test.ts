// Proves the single-writer queue runs tasks one at a time in order, survives a failing task, and
// rejects with LedgerBusyError past its bound instead of queueing without limit.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SerialQueue } from '../../../accounting/serial-queue.js'

describe('SerialQueue', () => {
  it('never overlaps tasks and keeps arrival order', async () => {
    const queue = new SerialQueue(100)
    const order: number[] = []
    let running = 0
    await Promise.all(Array.from({ length: 20 }, async (_, i) => queue.run(async () => {
      running++
      assert.equal(running, 1)
      await new Promise((resolve) => setImmediate(resolve))
      order.push(i)
      running--
    })))
    assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i))
  })

  it('continues after a failing task', async () => {
    const queue = new SerialQueue()
    await assert.rejects(queue.run(async () => { throw new Error('boom') }), { message: 'boom' })
    assert.equal(await queue.run(async () => 42), 42)
  })

  it('rejects past the bound with LedgerBusyError', async () => {
    const queue = new SerialQueue(2)
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const running = [queue.run(async () => gate), queue.run(async () => 1), queue.run(async () => 2)]
    await assert.rejects(queue.run(async () => 3), { name: 'LedgerBusyError', maxQueued: 2 })
    release()
    await Promise.all(running)
    assert.equal(queue.size, 0)
  })
})
