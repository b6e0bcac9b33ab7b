/**
 * Typed errors of the relay's operator surfaces (config, data dir, keys, HTTP, CLI): one class per
 * failure, libp2p form (`static name`, default message, `this.name`), readonly context fields.
 * Identify by `.name` or `instanceof`, never by message.
 */

/** A config file or environment that does not parse; `issues` lists every bad key at once. */
export class ConfigError extends Error {
  static name = 'ConfigError'
  /** Each problem as `path: message`, in the order found. */
  readonly issues: string[]

  constructor (issues: string[], message = `invalid configuration:\n${issues.map((i) => `  ✖ ${i}`).join('\n')}`) {
    super(message)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** A key or token file that group or other users may access; `mode` is its permission bits. */
export class KeyFilePermissionError extends Error {
  static name = 'KeyFilePermissionError'
  readonly path: string
  readonly mode: number

  constructor (path: string, mode: number, message = `${path} is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`) {
    super(message)
    this.name = 'KeyFilePermissionError'
    this.path = path
    this.mode = mode
  }
}

/** A key file whose content is not a key of the expected kind. */
export class InvalidKeyFileError extends Error {
  static name = 'InvalidKeyFileError'
  readonly path: string

  constructor (path: string, reason: string, message = `${path} is not a valid key file: ${reason}`) {
    super(message)
    this.name = 'InvalidKeyFileError'
    this.path = path
  }
}

/** A file that would be overwritten (keys are never replaced silently). */
export class FileExistsError extends Error {
  static name = 'FileExistsError'
  readonly path: string

  constructor (path: string, message = `${path} already exists; refusing to overwrite it`) {
    super(message)
    this.name = 'FileExistsError'
    this.path = path
  }
}

/** A data directory without the keys a command needs (never initialised). */
export class DataDirMissingError extends Error {
  static name = 'DataDirMissingError'
  readonly dataDir: string

  constructor (dataDir: string, message = `${dataDir} is not an initialised data directory; run: tau-relay init --data-dir ${dataDir}`) {
    super(message)
    this.name = 'DataDirMissingError'
    this.dataDir = dataDir
  }
}

/** The ledger's LevelDB is locked by another process: the relay is running. */
export class LedgerLockedError extends Error {
  static name = 'LedgerLockedError'
  readonly path: string

  constructor (path: string, message = `the ledger at ${path} is locked: the relay is running; use --admin URL`) {
    super(message)
    this.name = 'LedgerLockedError'
    this.path = path
  }
}

/** The admin API would listen on a non-loopback address without an explicitly configured token. */
export class AdminExposedError extends Error {
  static name = 'AdminExposedError'
  readonly host: string

  constructor (host: string, message = `refusing to serve the admin API on non-loopback ${host} without an explicitly configured token (admin.tokenFile or TAU_RELAY_ADMIN_TOKEN_FILE)`) {
    super(message)
    this.name = 'AdminExposedError'
    this.host = host
  }
}

/** A call to a running relay's HTTP API that failed; `status` is 0 when it could not connect. */
export class AdminApiError extends Error {
  static name = 'AdminApiError'
  readonly status: number

  constructor (status: number, message = `admin API answered ${status}`) {
    super(message)
    this.name = 'AdminApiError'
    this.status = status
  }
}
