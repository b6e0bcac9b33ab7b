/**
 * Which tar entries an unpack accepts. node-tar already strips leading `/`, skips `..` paths and
 * refuses to write through symbolic links; those are warnings it recovers from, and it happily
 * creates a link pointing anywhere. An attachment comes from a stranger, so here every such entry
 * is an error that ends the unpack: absolute paths, `..` segments, links whose target resolves
 * outside the destination, and anything that is not a file, directory or link.
 */
import { posix } from 'node:path'
import { UnsafeAttachmentEntryError } from './errors.js'

/** Entry types an attachment may hold (node-tar's names). */
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir', 'SymbolicLink', 'Link'])

/** The part of a node-tar ReadEntry the check reads. */
export interface TarEntryLike {
  type: string
  linkpath?: string
}

/** Why `path` (with its entry) may not be unpacked, or undefined when it may. */
export function unsafeTarEntry (path: string, entry: TarEntryLike): UnsafeAttachmentEntryError | undefined {
  const pathProblem = pathProblemOf(path)
  if (pathProblem !== undefined) return new UnsafeAttachmentEntryError(path, pathProblem)
  if (!ALLOWED_TYPES.has(entry.type)) return new UnsafeAttachmentEntryError(path, 'entry_type')
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? ''
    if (target === '' || isAbsoluteAnywhere(target)) return new UnsafeAttachmentEntryError(path, 'link_escape')
    // a symlink's target is relative to its own directory, a hard link's to the archive root
    const from = entry.type === 'SymbolicLink' ? posix.dirname(path) : '.'
    const resolved = posix.normalize(posix.join(from, target))
    if (resolved === '..' || resolved.startsWith('../')) return new UnsafeAttachmentEntryError(path, 'link_escape')
    if (entry.type === 'Link' && pathProblemOf(target) !== undefined) return new UnsafeAttachmentEntryError(path, 'link_escape')
  }
  return undefined
}

function pathProblemOf (path: string): 'absolute' | 'traversal' | undefined {
  if (isAbsoluteAnywhere(path)) return 'absolute'
  if (path.split(/[/\\]/).includes('..')) return 'traversal'
  return undefined
}

/** Absolute on POSIX or Windows (`/x`, `\x`, `C:…`): an archive may have been made on either. */
function isAbsoluteAnywhere (path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path)
}
