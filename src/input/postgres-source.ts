// `send --source postgres://… --query <sql>`: subscriptions read from PostgreSQL through a server-side cursor.
// Rows are fetched one batch at a time and only when the consumer (the feeder, which applies backpressure)
// asks for more, so memory stays flat for any table size. Each batch becomes one chunk of NDJSON lines, so
// row N is line N for the outcome files and for resume. pg and pg-cursor are imported lazily: no other
// command loads them.
import { createHash } from 'node:crypto'
import type { Client, FieldDef } from 'pg'
import type Cursor from 'pg-cursor'
import { NotifySenderError } from '../errors.js'
import { redactMessage, redactPostgresUrl } from './postgres-url.js'
import { rowShape, rowToLine } from './postgres-rows.js'
import type { RowShape } from './postgres-rows.js'
import type { InputIdentity } from './identity.js'

/** Rows fetched per cursor read. */
export const DEFAULT_BATCH_ROWS = 1000
/** Time allowed to connect (TCP, TLS and authentication) before the send fails. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
// Closing must not hang the end of a run on a server that stopped answering.
const CLOSE_TIMEOUT_MS = 5000

/** Settings of {@link openPostgresSource}. */
export interface PostgresSourceOptions {
  /** postgres:// URL; the password may also come from PGPASSWORD. */
  url: string
  query: string
  batchRows?: number | undefined
  connectTimeoutMs?: number | undefined
  /** Called with the size of each batch as it is fetched (tests check that reads follow consumption). */
  onBatch?: ((rows: number) => void) | undefined
}

/** NDJSON chunks, one per cursor batch; iterate it to the end or break out, either way the connection closes. */
export interface PostgresSource extends AsyncIterable<string> {
  /** Column mapping decided from the result's columns. */
  readonly shape: RowShape
  /** Closes the cursor and the connection; for a source that is never iterated (idempotent). */
  close: () => Promise<void>
}

/**
 * Connects, opens the cursor and fetches the first batch before resolving, so a bad URL, an unreachable
 * server, a failed login or a bad query fails here, before anything is sent. Messages never hold the password.
 * @throws NS_ERR_INPUT; NS_ERR_MISSING_DEPENDENCY when pg or pg-cursor is not installed
 */
export async function openPostgresSource (opts: PostgresSourceOptions): Promise<PostgresSource> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS
  const where = redactPostgresUrl(opts.url)
  const fail = (context: string, err: unknown): NotifySenderError =>
    new NotifySenderError(redactMessage(`${context}: ${describeError(err)}`, opts.url), 'NS_ERR_INPUT')
  const [{ default: pg }, { default: CursorClass }] = await Promise.all([import('pg'), import('pg-cursor')]).catch(explainMissingDriver)
  const client = new pg.Client({
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    fallback_application_name: 'notify-sender'
  })
  // A connection lost between reads is reported by the next read; without a listener it would crash the process.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await within(client.end(), CLOSE_TIMEOUT_MS)
    throw fail(`cannot connect to ${where}`, err)
  }
  const cursor = client.query(new CursorClass<Record<string, unknown>>(opts.query))
  let first: Batch
  let shape: RowShape
  try {
    first = await read(cursor, batchRows)
    shape = rowShape(first.fields.map((f) => f.name))
  } catch (err) {
    await within(client.end(), CLOSE_TIMEOUT_MS)
    if (err instanceof NotifySenderError) throw err
    throw fail(`--query failed on ${where}`, err)
  }
  opts.onBatch?.(first.rows.length)
  return new PgRows(client, cursor, first.rows, shape, batchRows, opts.onBatch, fail)
}

// pg and pg-cursor are optional peer dependencies: an install that never reads PostgreSQL lacks them, and
// Node's own error ("Cannot find package 'pg'") would not say what to do about it.
function explainMissingDriver (err: unknown): never {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw err
  throw new NotifySenderError(
    '--source postgres:// needs the optional packages pg and pg-cursor, which are not installed: run ' +
    '`npm install pg@8 pg-cursor@2` where notify-sender is installed (`npm install -g pg@8 pg-cursor@2` for a global notify-sender)',
    'NS_ERR_MISSING_DEPENDENCY', { cause: err })
}

/**
 * Identity of a PostgreSQL input for resume: the URL without its password and a hash of it with the query.
 * The password is left out entirely (not masked), so moving it from the URL to PGPASSWORD keeps the identity (#12).
 */
export function identifyPostgresSource (url: string, query: string): InputIdentity {
  const path = withoutPassword(url)
  return { path, size: 0, headSha256: createHash('sha256').update(`${path}\n${query}`).digest('hex') }
}

function withoutPassword (value: string): string {
  try {
    const u = new URL(value)
    u.password = ''
    for (const p of ['password', 'sslpassword']) u.searchParams.delete(p)
    return u.href
  } catch {
    return redactPostgresUrl(value)
  }
}

/** True when the query has an ORDER BY outside comments and string literals (a heuristic, for a warning). */
export function hasOrderBy (query: string): boolean {
  const code = query
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
  return /\border\s+by\b/i.test(code)
}

interface Batch {
  rows: Array<Record<string, unknown>>
  fields: FieldDef[]
}

class PgRows implements PostgresSource {
  readonly shape: RowShape
  readonly #client: Client
  readonly #cursor: Cursor<Record<string, unknown>>
  readonly #batchRows: number
  readonly #onBatch: ((rows: number) => void) | undefined
  readonly #fail: (context: string, err: unknown) => NotifySenderError
  #first: Array<Record<string, unknown>> | null
  #closing: Promise<void> | null = null
  #broken = false

  constructor (client: Client, cursor: Cursor<Record<string, unknown>>, first: Array<Record<string, unknown>>, shape: RowShape, batchRows: number,
    onBatch: ((rows: number) => void) | undefined, fail: (context: string, err: unknown) => NotifySenderError) {
    this.#client = client
    this.#cursor = cursor
    this.#first = first
    this.shape = shape
    this.#batchRows = batchRows
    this.#onBatch = onBatch
    this.#fail = fail
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<string> {
    let rows = this.#first
    this.#first = null
    if (rows === null) throw new NotifySenderError('a PostgreSQL source can be read only once', 'NS_ERR_INTERNAL')
    try {
      while (rows.length > 0) {
        let chunk = ''
        for (const row of rows) chunk += rowToLine(row, this.shape) + '\n'
        yield chunk
        // The cursor returns a short batch only when the result is exhausted.
        if (rows.length < this.#batchRows) break
        try {
          rows = (await read(this.#cursor, this.#batchRows)).rows
        } catch (err) {
          this.#broken = true
          throw this.#fail('reading the --query result failed', err)
        }
        this.#onBatch?.(rows.length)
      }
    } finally {
      await this.close()
    }
  }

  close (): Promise<void> {
    this.#first = null
    this.#closing ??= (async () => {
      // Closing the portal needs a live connection; after an error only ending the connection makes sense.
      if (!this.#broken) await within(this.#cursor.close().catch(() => {}), CLOSE_TIMEOUT_MS)
      await within(this.#client.end().catch(() => {}), CLOSE_TIMEOUT_MS)
    })()
    return this.#closing
  }
}

function read (cursor: Cursor<Record<string, unknown>>, rows: number): Promise<Batch> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (err, batch, result) => {
      if (err !== undefined && err !== null) reject(err)
      else resolve({ rows: batch, fields: result.fields })
    })
  })
}

// ECONNREFUSED to a name with several addresses is an AggregateError with an empty message.
function describeError (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & { code?: unknown, severity?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  const msg = e.message !== '' ? e.message : (err instanceof AggregateError ? err.errors.map(describeError).join('; ') : '')
  // PostgreSQL errors carry a five-character SQLSTATE; network errors an errno name already in the message.
  if (code !== undefined && typeof e.severity === 'string') return `${msg} (SQLSTATE ${code})`
  if (msg === '') return code ?? err.name
  return code !== undefined && !msg.includes(code) ? `${msg} (${code})` : msg
}

async function within (promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, ms) })
  ])
  clearTimeout(timer)
}
