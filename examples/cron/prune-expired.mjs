#!/usr/bin/env node
// Deletes the subscriptions a send found expired (404/410 from the push service) from PostgreSQL, using
// the send's outcome file <out>/expired.ndjson. Each record there carries the endpoint it was sent to
// ({"line":12,"status":410,…,"endpoint":"https://…","meta":{"id":12}}), so the rows are deleted by endpoint;
// PRUNE_BY=id deletes by a metadata column instead (the `id` the query or the NDJSON line carried).
//
// usage: DATABASE_URL=postgres://app@db.internal/app node prune-expired.mjs results/expired.ndjson
// env:   DATABASE_URL (required; password from PGPASSWORD or ~/.pgpass), TABLE (push_subscriptions),
//        PRUNE_BY (endpoint, or a metadata column such as id), BATCH (500 rows per DELETE)
// Streams the file line by line, deletes in batches of BATCH, one transaction per batch, and prints the
// counts as JSON on stdout. Exit code 0 on success, 1 on a database or file error, 2 on bad settings.
// Needs the `pg` package (a dependency of notify-sender; elsewhere `npm install pg`).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import pg from 'pg'

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

function settings () {
  const file = process.argv[2] ?? 'results/expired.ndjson'
  const url = process.env.DATABASE_URL
  const table = process.env.TABLE ?? 'push_subscriptions'
  const by = process.env.PRUNE_BY ?? 'endpoint'
  const batch = Number(process.env.BATCH ?? 500)
  if (url === undefined || url === '') throw usage('set DATABASE_URL=postgres://user@host/database')
  // Identifiers cannot be query parameters: only plain names are accepted, so nothing can be injected.
  if (!IDENT.test(table)) throw usage(`TABLE must be a plain table name, got ${JSON.stringify(table)}`)
  if (!IDENT.test(by) || by.includes('.')) throw usage(`PRUNE_BY must be a column name, got ${JSON.stringify(by)}`)
  if (!Number.isSafeInteger(batch) || batch < 1) throw usage(`BATCH must be a positive integer, got ${process.env.BATCH}`)
  return { file, url, table, by, batch }
}

function usage (message) {
  return Object.assign(new Error(message), { exitCode: 2 })
}

/** The value to delete by, from one outcome record: its endpoint, or a metadata field. */
function keyOf (record, by) {
  const v = by === 'endpoint' ? record.endpoint : record.meta?.[by]
  return typeof v === 'string' || typeof v === 'number' ? v : undefined
}

async function prune ({ file, url, table, by, batch }) {
  const counts = { records: 0, deleted: 0, batches: 0, withoutKey: 0, unreadable: 0 }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'notify-sender-prune' })
  await client.connect()
  const flush = async (keys) => {
    if (keys.length === 0) return
    await client.query('BEGIN')
    try {
      const r = await client.query(`DELETE FROM ${table} WHERE ${by} = ANY($1)`, [keys])
      await client.query('COMMIT')
      counts.deleted += r.rowCount ?? 0
      counts.batches++
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  }
  try {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
    let keys = []
    for await (const line of lines) {
      if (line.trim() === '') continue
      let record
      try {
        record = JSON.parse(line)
      } catch {
        // A record cut short by a crash (no complete JSON) did not settle its line: nothing to delete.
        counts.unreadable++
        continue
      }
      counts.records++
      const key = keyOf(record, by)
      if (key === undefined) {
        counts.withoutKey++
        continue
      }
      keys.push(key)
      if (keys.length >= batch) {
        await flush(keys)
        keys = []
      }
    }
    await flush(keys)
  } finally {
    await client.end().catch(() => {})
  }
  return counts
}

try {
  const s = settings()
  const counts = await prune(s)
  process.stdout.write(JSON.stringify({ file: s.file, table: s.table, by: s.by, ...counts }) + '\n')
  if (counts.withoutKey > 0) process.stderr.write(`prune-expired: ${counts.withoutKey} records had no ${s.by}; they were not deleted\n`)
} catch (err) {
  // pg error messages do not include the connection string, so the password cannot leak here.
  process.stderr.write(`prune-expired: ${err.message}\n`)
  process.exitCode = err.exitCode ?? 1
}
