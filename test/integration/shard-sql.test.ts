// shardSqlPredicate() is the same split as --shard, computed by PostgreSQL: a pod that filters in SQL
// reads exactly the rows its own client-side check keeps.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { shardOfKey, shardSqlPredicate } from '../../src/send/shard.js'
import { POSTGRES_SKIP, usePostgres } from '../helpers/postgres.js'

const skip = POSTGRES_SKIP
const database = usePostgres('notify_shard')

test('the SQL predicate selects exactly the rows of each shard', { skip }, async () => {
  const pg = database()
  await pg.sql('CREATE TABLE subs (id int PRIMARY KEY, endpoint text NOT NULL)')
  // Varied keys: long FCM-like tokens, non-ASCII hosts (UTF-8 bytes are hashed, not UTF-16 units), and
  // enough of them that some hashes have their top bit set (the cast must be unsigned).
  const endpoints = Array.from({ length: 3000 }, (_, i) => i % 10 === 0
    ? `https://pûsh.exämple/${i}/ü`
    : `https://fcm.googleapis.com/fcm/send/${i.toString(36)}:APA91b${'x'.repeat(i % 97)}`)
  await pg.sql('INSERT INTO subs SELECT i, e FROM unnest($1::text[]) WITH ORDINALITY AS t(e, i)', [endpoints])
  assert.ok(endpoints.some((e) => shardOfKey(e, 2 ** 31) !== shardOfKey(e, 2 ** 32 - 1)), 'some hash has its top bit set')
  for (const count of [1, 3, 7]) {
    for (let index = 0; index < count; index++) {
      const rows = await pg.sql<{ id: number }>(`SELECT id FROM subs WHERE ${shardSqlPredicate('endpoint', { index, count })} ORDER BY id`)
      const expected = endpoints.flatMap((e, i) => shardOfKey(e, count) === index ? [i + 1] : [])
      assert.deepEqual(rows.map((r) => r.id), expected, `shard ${index}/${count}`)
    }
  }
})
