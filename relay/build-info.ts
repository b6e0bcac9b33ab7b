/**
 * The relay's build identity for `taurelay_build_info`: the version from package.json (read once
 * at startup, relative to this module, so it is right from a checkout and from an npm install).
 */
import { readFileSync } from 'node:fs'

/** The package version, or 'unknown' when package.json cannot be read. */
export function packageVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
