// A throwaway PostgreSQL cluster for one test file: initdb into a temp dir, a server on 127.0.0.1 only (a free
// port) with its unix socket inside the temp dir, one database, and everything stopped and deleted afterwards.
// Tests run as root here and in CI; initdb refuses root, so the cluster then runs as the `postgres` OS user.
// Where PostgreSQL is not installed, `POSTGRES_SKIP` is the reason to pass to `test(..., { skip })`.
import { execFile } from 'node:child_process'
import { accessSync, chmodSync, chownSync, constants as fsConstants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import pg from 'pg'
import { after, before } from 'node:test'

/** The running test cluster. */
export interface TestPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> (host connections need the password). */
  url: string
  /** The same URL without the password, for PGPASSWORD tests. */
  urlWithoutPassword: string
  password: string
  port: number
  database: string
  /** Directory of the server's unix socket (trust authentication, for administration). */
  socketDir: string
  /** Directory holding initdb, pg_ctl, postgres (psql is usually on PATH). */
  binDir: string
  /** Runs one statement as the superuser over the unix socket. */
  sql: <R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>
  /** Stops the server and deletes the cluster; idempotent. */
  stop: () => Promise<void>
}

/** Directory of the PostgreSQL server binaries (PATH, then /usr/lib/postgresql/<newest>/bin), or null. */
export function findPostgresBin (): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'initdb')
    // Debian links initdb into PATH; pg_ctl and postgres sit next to the link's target.
    if (dir !== '' && executable(p)) return dirname(realpathSync(p))
  }
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) if (executable(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  return null
}

/** Why PostgreSQL tests cannot run here, or false when they can. */
export const POSTGRES_SKIP: string | false = skipReason()

function skipReason (): string | false {
  if (findPostgresBin() === null) return 'PostgreSQL (initdb) is not installed: apt-get install postgresql'
  if (isRoot() && osUser('postgres') === null) return 'running as root and there is no postgres OS user to run initdb as'
  return false
}

/** psql on PATH or next to the server binaries, or null. */
export function findPsql (): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '' && executable(join(dir, 'psql'))) return join(dir, 'psql')
  const bin = findPostgresBin()
  return bin !== null && executable(join(bin, 'psql')) ? join(bin, 'psql') : null
}

/** Starts a cluster and registers nothing: call `stop()` in `after`. */
export async function startPostgres (database = 'notify_test'): Promise<TestPostgres> {
  const binDir = findPostgresBin()
  if (binDir === null) throw new Error('PostgreSQL is not installed')
  const owner = isRoot() ? osUser('postgres') : null
  if (isRoot() && owner === null) throw new Error('no postgres OS user')
  const dir = mkdtempSync(join(tmpdir(), 'ns-pg-'))
  const dataDir = join(dir, 'data')
  const socketDir = join(dir, 'sock')
  mkdirSync(socketDir)
  if (owner !== null) {
    chownSync(dir, owner.uid, owner.gid)
    chownSync(socketDir, owner.uid, owner.gid)
  }
  chmodSync(dir, 0o700)
  const as = (cmd: string, args: string[]): Promise<string> =>
    owner === null ? run(join(binDir, cmd), args) : run('runuser', ['-u', 'postgres', '--', join(binDir, cmd), ...args])
  let running = false
  const stop = async (): Promise<void> => {
    if (running) {
      running = false
      await as('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {})
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    // Local (socket) connections are trusted for set-up; TCP ones need the password, as in production.
    await as('initdb', ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'])
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir} -c fsync=off -c full_page_writes=off -c max_connections=50`
      try {
        await as('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start'])
        running = true
        break
      } catch (err) {
        // Another process may have taken the port between picking and binding it: pick again.
        if (attempt >= 3) throw new Error(`postgres did not start: ${(err as Error).message}\n${readLog(join(dir, 'server.log'))}`)
      }
    }
    const password = 'pw-' + Math.random().toString(36).slice(2, 10)
    const sql = async <R extends Record<string, unknown>>(text: string, params: unknown[] = [], db = database): Promise<R[]> => {
      const client = new pg.Client({ host: socketDir, port, user: 'postgres', database: db })
      await client.connect()
      try {
        return (await client.query<R>(text, params)).rows
      } finally {
        await client.end()
      }
    }
    await sql(`ALTER ROLE postgres PASSWORD '${password}'`, [], 'postgres')
    await sql(`CREATE DATABASE ${database}`, [], 'postgres')
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
      urlWithoutPassword: `postgres://postgres@127.0.0.1:${port}/${database}`,
      password,
      port,
      database,
      socketDir,
      binDir,
      sql: async (text, params) => await sql(text, params),
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** A port nothing listens on (bound then released), for "unreachable server" tests. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = address !== null && typeof address === 'object' ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function run (cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000, encoding: 'utf8', cwd: tmpdir() }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

function readLog (path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000)
  } catch {
    return ''
  }
}

function executable (path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

function isRoot (): boolean {
  return process.getuid?.() === 0
}

function osUser (name: string): { uid: number, gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':')
      if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { uid: Number(f[2]), gid: Number(f[3]) }
    }
  } catch {}
  return null
}

/**
 * Starts a cluster before the test file's tests (unless PostgreSQL is missing) and stops it after them;
 * returns a getter for the tests, which are skipped with POSTGRES_SKIP when it is missing.
 */
export function usePostgres (database?: string): () => TestPostgres {
  let db: TestPostgres | undefined
  before(async () => { if (POSTGRES_SKIP === false) db = await startPostgres(database) })
  after(async () => { await db?.stop() })
  return () => {
    if (db === undefined) throw new Error('the test PostgreSQL did not start')
    return db
  }
}
