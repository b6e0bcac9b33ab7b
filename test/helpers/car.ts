/**
 * Test helper: CARv1 files written with @ipld/car from blocks held by a test.
 */
import { writeFile } from 'node:fs/promises'
import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'

/** Writes `blocks` (in the order given) into a CARv1 file with `roots`. */
export async function writeCarFile (path: string, roots: CID[], blocks: Iterable<{ cid: CID, bytes: Uint8Array }>): Promise<void> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const drained = (async () => { for await (const chunk of out) chunks.push(chunk) })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await drained
  await writeFile(path, chunks)
}
