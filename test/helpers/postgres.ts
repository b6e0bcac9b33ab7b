/**
 * Test helper: a throwaway PostgreSQL cluster — initdb into a mkdtemp directory, started with
 * pg_ctl on 127.0.0.1 and a free port (unix socket in the same directory), run as the `postgres`
 * OS user when the tests run as root — plus one fresh database per test ledger, a restart (for
 * tests of a database outage) and a stop that removes everything. The binaries are looked up in
 * $PG_BIN, then the newest /usr/lib/postgresql/<v>/bin, then PATH; without them the test fails.
 */
import { execFile } from 'node:child_process'
import { chown, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A running cluster. */
export interface PostgresCluster {
  port: number
  dir: string
  /** URL of database `name` (default `postgres`). */
  url: (name?: string) => string
  /** Creates a fresh database and returns its URL. */
  createDatabase: (prefix?: string) => Promise<string>
  /** `pg_ctl restart -m fast`, waiting until it accepts connections again (`downMs` of outage between stop and start). */
  restart: (downMs?: number) => Promise<void>
  /** Stops the server (immediate) and removes its directory. */
  stop: () => Promise<void>
}

/** Cluster settings. */
export interface PostgresClusterOptions {
  /** fsync commits (durable, slower); tests default to off, benches turn it on. @default false */
  fsync?: boolean
  /** Server max_connections. @default 100 */
  maxConnections?: number
}

async function binDir (): Promise<string> {
  if (process.env.PG_BIN !== undefined && process.env.PG_BIN !== '') return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = (await readdir(root)).filter((v) => /^[0-9]+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  }
  return ''
}

async function run (file: string, args: string[], asPostgres: boolean): Promise<string> {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** A free TCP port on 127.0.0.1. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

async function uidOf (user: string): Promise<{ uid: number, gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user], false), run('id', ['-g', user], false)])
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) }
}

/** Starts a cluster; call `stop()` in `after`. */
export async function startPostgres (options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = await binDir()
  const tool = (name: string): string => bin === '' ? name : join(bin, name)
  const asPostgres = process.getuid?.() === 0
  const dir = await mkdtemp(join(tmpdir(), 'tau-pg-'))
  const data = join(dir, 'data')
  const socket = join(dir, 'sock')
  await mkdir(socket)
  if (asPostgres) {
    const { uid, gid } = await uidOf('postgres')
    await chown(dir, uid, gid)
    await chown(socket, uid, gid)
  }
  await run(tool('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'], asPostgres)
  const port = await freePort()
  const serverOptions = [`-p ${port}`, `-k ${socket}`, '-c listen_addresses=127.0.0.1', `-c fsync=${options.fsync === true ? 'on' : 'off'}`,
    `-c max_connections=${options.maxConnections ?? 100}`, '-c shared_buffers=32MB'].join(' ')
  const start = async (): Promise<void> => { await run(tool('pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start'], asPostgres) }
  const stopServer = async (mode: string): Promise<void> => { await run(tool('pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop'], asPostgres) }
  await start()
  const url = (name = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${name}`
  let next = 0
  let stopped = false
  return {
    port,
    dir,
    url,
    createDatabase: async (prefix = 'ledger') => {
      const name = `${prefix}_${process.pid}_${next++}`
      const client = new pg.Client({ connectionString: url() })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name}`)
      } finally {
        await client.end()
      }
      return url(name)
    },
    restart: async (downMs = 0) => {
      await stopServer('fast')
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
      await start()
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      await stopServer('immediate').catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}
