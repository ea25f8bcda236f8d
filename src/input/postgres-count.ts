// The number of rows a `--query` returns, for the live progress of a send from PostgreSQL (% done and
// ETA, #14). A second connection runs `count(*)` over the query while the cursor streams the rows; it is
// best effort: any failure only means the progress shows no percentage.
import { DEFAULT_CONNECT_TIMEOUT_MS } from './postgres-source.js'

/** Rows of `query` on `url`, or undefined when they cannot be counted. */
export async function countPostgresRows (url: string, query: string): Promise<number | undefined> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS, fallback_application_name: 'notify-sender' })
  client.on('error', () => {})
  try {
    await client.connect()
    // A subquery keeps the user's SQL intact (ORDER BY and LIMIT included); a trailing ';' would end it.
    const sql = `SELECT count(*)::bigint AS n FROM (${query.trim().replace(/;+\s*$/, '')}) AS notify_sender_rows`
    const res = await client.query<{ n: string }>(sql)
    const n = Number(res.rows[0]?.n)
    return Number.isSafeInteger(n) ? n : undefined
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}
