/**
 * Loads the relay configuration once (STYLE.md 5.5): the JSON file, then `TAU_RELAY_*`
 * environment overrides, parsed by one strict schema so that every bad key — in the file or the
 * environment, including unknown `TAU_RELAY_*` names — is reported at once in one ConfigError.
 * The only module that reads the environment (tests pass their own).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import { DATA_DIR_FILES, DEFAULT_CONFIG_FILE } from './config-defaults.js'
import { relayConfigSchema } from './config-schema.js'
import { ConfigError } from './errors.js'
import type { RelayConfig } from './config-schema.js'

export { relayConfigSchema, LOG_LEVELS, LOG_FORMATS } from './config-schema.js'
export type { RelayConfig, RelayConfigJson } from './config-schema.js'

/** Environment variables that override config keys (comma-separated lists, `host:port`). */
export const CONFIG_ENV = Object.freeze({
  config: 'TAU_RELAY_CONFIG',
  dataDir: 'TAU_RELAY_DATA_DIR',
  listen: 'TAU_RELAY_LISTEN',
  announce: 'TAU_RELAY_ANNOUNCE',
  httpListen: 'TAU_RELAY_HTTP_LISTEN',
  adminTokenFile: 'TAU_RELAY_ADMIN_TOKEN_FILE',
  logLevel: 'TAU_RELAY_LOG_LEVEL',
  logFormat: 'TAU_RELAY_LOG_FORMAT',
  ledgerBackend: 'TAU_RELAY_LEDGER_BACKEND',
  postgresUrl: 'TAU_RELAY_POSTGRES_URL'
})

/** What loadConfig reads. */
export interface LoadConfigOptions {
  /** Config file; absent = $TAU_RELAY_CONFIG, else `./relay.config.json` if it exists, else defaults only. */
  file?: string
  /** The environment. @default process.env */
  env?: Record<string, string | undefined>
  /** Base of relative paths not given in a file. @default process.cwd() */
  cwd?: string
}

type Json = Record<string, unknown>

function setPath (target: Json, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Json
  }
  node[path[path.length - 1]] = value
}

function list (text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** Applies TAU_RELAY_* overrides to `input`; returns the problems that zod cannot see (unknown names, bad host:port). */
function applyEnv (input: Json, env: Record<string, string | undefined>): string[] {
  const issues: string[] = []
  const known = new Set<string>(Object.values(CONFIG_ENV))
  for (const name of Object.keys(env)) {
    if (name.startsWith('TAU_RELAY_') && !known.has(name)) issues.push(`${name}: unknown environment variable`)
  }
  const get = (name: string): string | undefined => env[name] === '' ? undefined : env[name]
  const dataDir = get(CONFIG_ENV.dataDir)
  if (dataDir !== undefined) setPath(input, ['dataDir'], dataDir)
  const listen = get(CONFIG_ENV.listen)
  if (listen !== undefined) setPath(input, ['libp2p', 'listen'], list(listen))
  const announce = get(CONFIG_ENV.announce)
  if (announce !== undefined) setPath(input, ['libp2p', 'announce'], list(announce))
  const httpListen = get(CONFIG_ENV.httpListen)
  if (httpListen !== undefined) {
    // host:port, with IPv6 hosts in brackets: [::1]:9464
    const match = /^(\[[^\]]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(httpListen)
    if (match === null) {
      issues.push(`${CONFIG_ENV.httpListen}: expected host:port, e.g. 127.0.0.1:9464 or [::1]:9464`)
    } else {
      setPath(input, ['http', 'host'], match[1].replace(/^\[|\]$/g, ''))
      setPath(input, ['http', 'port'], Number(match[2]))
    }
  }
  const tokenFile = get(CONFIG_ENV.adminTokenFile)
  if (tokenFile !== undefined) setPath(input, ['admin', 'tokenFile'], tokenFile)
  const level = get(CONFIG_ENV.logLevel)
  if (level !== undefined) setPath(input, ['log', 'level'], level)
  const format = get(CONFIG_ENV.logFormat)
  if (format !== undefined) setPath(input, ['log', 'format'], format)
  const backend = get(CONFIG_ENV.ledgerBackend)
  if (backend !== undefined) setPath(input, ['ledger', 'backend'], backend)
  const postgresUrl = get(CONFIG_ENV.postgresUrl)
  if (postgresUrl !== undefined) setPath(input, ['ledger', 'postgresUrl'], postgresUrl)
  return issues
}

function readJsonFile (file: string): Json {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err: unknown) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`])
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err: unknown) {
    throw new ConfigError([`${file}: not JSON (${(err as Error).message})`])
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError([`${file}: expected a JSON object`])
  return value as Json
}

function issuePath (issue: z.core.$ZodIssue): string {
  return issue.path.length === 0 ? '<root>' : issue.path.map(String).join('.')
}

/** Loads and checks the configuration (paths made absolute); throws ConfigError listing every problem. */
export function loadConfig (options: LoadConfigOptions = {}): RelayConfig {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  let file = options.file ?? (env[CONFIG_ENV.config] === '' ? undefined : env[CONFIG_ENV.config])
  if (file === undefined && existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) file = DEFAULT_CONFIG_FILE
  const path = file === undefined ? undefined : resolve(cwd, file)
  const fromFile = path === undefined ? {} : readJsonFile(path)
  const input: Json = structuredClone(fromFile)
  const envIssues = applyEnv(input, env)
  const parsed = relayConfigSchema.safeParse(input)
  if (!parsed.success || envIssues.length > 0) {
    const zodIssues = parsed.success ? [] : parsed.error.issues.map((i) => `${issuePath(i)}: ${i.message}`)
    const pretty = parsed.success ? '' : z.prettifyError(parsed.error)
    const source = path === undefined ? 'defaults + environment' : path
    const text = [...envIssues.map((i) => `✖ ${i}`), pretty].filter((s) => s !== '').join('\n')
    throw new ConfigError([...envIssues, ...zodIssues], `invalid configuration (${source}):\n${text}`)
  }
  const config = parsed.data
  // paths written in the file are relative to the file; the rest to the working directory
  const base = (key: 'dataDir' | 'tokenFile'): string => {
    const inFile = key === 'dataDir' ? fromFile.dataDir : (fromFile.admin as Json | undefined)?.tokenFile ?? undefined
    const fromEnv = key === 'dataDir' ? env[CONFIG_ENV.dataDir] : env[CONFIG_ENV.adminTokenFile]
    return (fromEnv === undefined || fromEnv === '') && inFile !== undefined && path !== undefined ? dirname(path) : cwd
  }
  config.dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(base('dataDir'), config.dataDir)
  if (config.admin.tokenFile !== null) config.admin.tokenFile = resolve(base('tokenFile'), config.admin.tokenFile)
  return config
}

/** The admin token file: the configured one, else `<dataDir>/admin.token` (generated). */
export function adminTokenPath (config: RelayConfig): string {
  return config.admin.tokenFile ?? resolve(config.dataDir, DATA_DIR_FILES.adminToken)
}

/** Whether the admin token was named explicitly (file or env) rather than generated in the data dir. */
export function isAdminTokenConfigured (config: RelayConfig): boolean {
  return config.admin.tokenFile !== null
}

/** The JSON form of a configuration: amounts back to decimal strings (what `init` writes). */
export function configToJson (config: RelayConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config, (_key, value: unknown) => typeof value === 'bigint' ? value.toString() : value))
}

/** Every key with its default value, as JSON (the content of relay.config.example.json). */
export function defaultConfigJson (): Record<string, unknown> {
  return configToJson(relayConfigSchema.parse({}))
}
