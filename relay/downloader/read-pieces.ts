/**
 * Reading a downloaded attachment file back as its pieces, each hashed against its CID again:
 * the file sat on disk between the download and the unpack, and an unpack must never see a byte
 * the index does not vouch for.
 */
import { open } from 'node:fs/promises'
import { ATTACHMENT_PIECE_BYTES } from '../../protocol/attachment.js'
import { verifyBlock } from '../../protocol/block.js'
import type { CID } from 'multiformats/cid'

/** Yields pieces 1..m of the file at `path`, each verified against `cids[n - 1]` (BlockHashMismatchError). */
export async function * readVerifiedPieces (path: string, cids: readonly CID[]): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r')
  try {
    for (let n = 1; n <= cids.length; n++) {
      const buffer = new Uint8Array(ATTACHMENT_PIECE_BYTES)
      const { bytesRead } = await file.read(buffer, 0, ATTACHMENT_PIECE_BYTES, (n - 1) * ATTACHMENT_PIECE_BYTES)
      const piece = buffer.subarray(0, bytesRead)
      verifyBlock(cids[n - 1], piece)
      yield piece
    }
  } finally {
    await file.close()
  }
}
