/**
 * A block store for lying targets: a real graphsync responder serves from it, and a hook sees each
 * read (in the responder's walk order) and may replace the bytes — a corrupt block, another valid
 * block, a block from outside the DAG — or act at that moment (drop the connection). The responder
 * itself is unchanged: it frames whatever the store returns under the CID it walked.
 */
import type { TestStore } from '../helpers/graphsync.js'
import type { GraphsyncBlockStore } from '../../relay/graphsync/types.js'
import type { CID } from 'multiformats/cid'

/** What to serve for the `index`-th read (0-based) of `cid`, whose true bytes are `bytes`. */
export type Tamper = (cid: CID, bytes: Uint8Array, index: number) => Uint8Array | Promise<Uint8Array>

/** A store that passes every read through `tamper`. */
export class TamperingStore implements GraphsyncBlockStore {
  private readonly inner: TestStore
  private readonly tamper: Tamper
  reads = 0

  constructor (inner: TestStore, tamper: Tamper) {
    this.inner = inner
    this.tamper = tamper
  }

  async get (cid: CID): Promise<Uint8Array | undefined> {
    const bytes = await this.inner.get(cid)
    const index = this.reads++
    return bytes === undefined ? undefined : this.tamper(cid, bytes, index)
  }
}
