/**
 * Test helper for TAU attachments: hand-made TGZs (entries node-tar's packer would never write,
 * such as `../evil`), their pieces, trees of real files, and a recursive tree comparison.
 */
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'
import { chunkPieces } from '../../relay/attachments/pieces.js'

/** One raw tar entry. */
export interface RawTarEntry {
  path: string
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice'
  linkpath?: string
  body?: Uint8Array
}

/** A gzip'd tar of `entries` exactly as given (no path cleaning). */
export function rawTgz (entries: RawTarEntry[]): Uint8Array {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    const body = entry.body ?? new Uint8Array(0)
    const header = new Header({ path: entry.path, type: entry.type ?? 'File', linkpath: entry.linkpath, size: body.byteLength, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 })
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block, Buffer.from(body), Buffer.alloc((512 - (body.byteLength % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return Uint8Array.from(gzipSync(Buffer.concat(blocks)))
}

/** `size` bytes of xorshift32 noise: gzip cannot shrink it, so the TGZ spans several pieces. */
export function noiseBytes (size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** `bytes` as 256 KiB pieces. */
export async function * piecesOf (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield * chunkPieces((async function * () { yield bytes })())
}

/**
 * A tree under `root`: nested folders, a 1.5 MiB file of noise, an empty file, an empty
 * folder, a symlink inside the tree and a name with spaces and non-ASCII characters.
 */
export async function writeSampleTree (root: string, seed = 1): Promise<void> {
  await mkdir(join(root, 'docs', 'deep', 'deeper'), { recursive: true })
  await mkdir(join(root, 'empty-folder'), { recursive: true })
  await writeFile(join(root, 'big.bin'), noiseBytes(1536 * 1024 + 17, seed))
  await writeFile(join(root, 'docs', 'empty.txt'), '')
  await writeFile(join(root, 'docs', 'deep', 'notes été.txt'), 'bonjour\n'.repeat(1000))
  await writeFile(join(root, 'docs', 'deep', 'deeper', 'small.bin'), noiseBytes(3000, seed + 1))
  await symlink('../big.bin', join(root, 'docs', 'big-link'))
}

/** Every entry under `root` as `path → kind:content` (files by content, links by target, modes included). */
export async function describeTree (root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  async function walk (rel: string): Promise<void> {
    const abs = join(root, rel)
    const stats = await lstat(abs)
    const mode = (stats.mode & 0o777).toString(8)
    if (stats.isSymbolicLink()) out.set(rel, `link:${await readlink(abs)}`)
    else if (stats.isFile()) out.set(rel, `file:${mode}:${(await readFile(abs)).toString('base64')}`)
    else if (stats.isDirectory()) {
      if (rel !== '') out.set(rel, `dir:${mode}`)
      for (const name of (await readdir(abs)).sort()) await walk(join(rel, name))
    } else out.set(rel, 'other')
  }
  await walk('')
  return out
}
