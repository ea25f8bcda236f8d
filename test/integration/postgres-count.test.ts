// The row count behind the % and ETA of a send from PostgreSQL (#14), against a real throwaway server:
// the user's query is counted as written (ORDER BY, LIMIT, a trailing semicolon), a failure is no count
// rather than an error, and the counting connection is closed either way.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { countPostgresRows } from '../../src/input/postgres-count.js'
import { POSTGRES_SKIP, usePostgres } from '../helpers/postgres.js'

const pg = usePostgres('notify_count')

test('countPostgresRows counts what --query returns and leaves no connection behind', { skip: POSTGRES_SKIP, timeout: 60_000 }, async () => {
  await pg().sql('CREATE TABLE subs_count (id int PRIMARY KEY, endpoint text)')
  await pg().sql("INSERT INTO subs_count SELECT g, 'https://push.example/' || g FROM generate_series(1, 37) AS g")
  assert.equal(await countPostgresRows(pg().url, 'select endpoint, id from subs_count order by id'), 37)
  assert.equal(await countPostgresRows(pg().url, 'select endpoint from subs_count where id > 30 order by id;  '), 7)
  assert.equal(await countPostgresRows(pg().url, 'select endpoint from subs_count order by id limit 5'), 5)
  assert.equal(await countPostgresRows(pg().url, 'select nope from missing_table'), undefined)
  assert.equal(await countPostgresRows(pg().url.replace(`:${pg().password}@`, ':wrong@'), 'select 1'), undefined)
  const open = await pg().sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'notify-sender'")
  assert.equal(open[0]?.n, 0)
})
