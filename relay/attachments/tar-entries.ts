/**
 * The entries a publish packs, listed by us rather than by node-tar: node-tar recurses in
 * `readdir` order, which depends on the file system (ext4 hashes names), so the same folder copied
 * elsewhere could pack differently. Here each input is walked depth first, names sorted by their
 * UTF-16 code units, and node-tar is handed the flat list with `noDirRecurse`.
 */
import { lstat, readdir } from 'node:fs/promises'
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import { AttachmentInputError } from './errors.js'

/** Most entries one publish lists: a bound on the name list held in memory (1 Mi names ≈ 100 MiB worst case). */
export const DEFAULT_MAX_ATTACHMENT_ENTRIES = 2 ** 20

/**
 * The archive paths (relative to `cwd`, `/`-separated) of `paths` and everything under them, in
 * a stable order. Inputs must exist and lie inside `cwd`; sockets, FIFOs and devices are refused
 * (AttachmentInputError). Symbolic links are listed as links, never followed.
 */
export async function listTarEntries (cwd: string, paths: string[], maxEntries = DEFAULT_MAX_ATTACHMENT_ENTRIES): Promise<string[]> {
  const base = resolve(cwd)
  const out: string[] = []
  const seen = new Set<string>()
  for (const path of paths) {
    const rel = relative(base, resolve(base, path))
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new AttachmentInputError(path, 'outside_cwd')
    await walk(base, normalize(rel), out, seen, maxEntries)
  }
  return out
}

async function walk (base: string, rel: string, out: string[], seen: Set<string>, maxEntries: number): Promise<void> {
  const stack = [rel]
  while (stack.length > 0) {
    const current = stack.pop() as string
    const stats = await lstatOrNull(join(base, current))
    if (stats === null) throw new AttachmentInputError(current, 'not_found')
    if (!stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink()) throw new AttachmentInputError(current, 'unsupported_type')
    const name = current.split(sep).join('/')
    if (seen.has(name)) continue
    seen.add(name)
    if (out.length >= maxEntries) throw new AttachmentInputError(current, 'too_many_entries', `more than ${maxEntries} entries to pack`)
    out.push(name)
    if (stats.isDirectory()) {
      const names = (await readdir(join(base, current))).sort()
      // pushed in reverse so they pop in sorted order
      for (let i = names.length - 1; i >= 0; i--) stack.push(join(current, names[i]))
    }
  }
}

async function lstatOrNull (path: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(path)
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
