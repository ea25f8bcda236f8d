// examples/postgres-export/export.sh and examples/cron/prune-expired.mjs run as documented against a real
// PostgreSQL: the export is complete valid NDJSON that `send -s -` accepts from a pipe, and pruning with the
// expired.ndjson of a real send to the simulator (410 faults) deletes exactly the expired rows.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { runSend } from '../../src/run/send.js'
import { cliEnv } from '../helpers/cli.js'
import { repoRoot, binPath } from '../helpers/paths.js'
import { findPsql, freePort, POSTGRES_SKIP, usePostgres } from '../helpers/postgres.js'
import { simFixture } from '../helpers/send-fixtures.js'
import type { SimFixture } from '../helpers/send-fixtures.js'
import { assertReconciled } from '../helpers/send-run.js'

const exportScript = join(repoRoot, 'examples', 'postgres-export', 'export.sh')
const schema = readFileSync(join(repoRoot, 'examples', 'postgres-export', 'schema.sql'), 'utf8')
const pruneScript = join(repoRoot, 'examples', 'cron', 'prune-expired.mjs')

const skip = POSTGRES_SKIP
const skipExport = skip !== false ? skip : (findPsql() === null ? 'psql is not installed: apt-get install postgresql-client' : false)
const pg = usePostgres()

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs a command to its end (bounded), with the test's environment plus `env`. */
function run (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** (Re)creates push_subscriptions (schema.sql) holding the simulator's subscriptions 0..count-1 as ids 1..count. */
async function loadTable (f: SimFixture, count: number): Promise<void> {
  await pg().sql('DROP TABLE IF EXISTS push_subscriptions')
  await pg().sql(schema)
  const subs = Array.from({ length: count }, (_, i) => f.sim.subscription(i))
  await pg().sql('INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth) SELECT id, id * 10, e, p, a FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(id, e, p, a)', [
    subs.map((_, i) => i + 1), subs.map((s) => s.endpoint), subs.map((s) => s.keys.p256dh), subs.map((s) => s.keys.auth)
  ])
}

test('export.sh streams the table as complete, valid NDJSON that send -s - accepts from a pipe', { skip: skipExport, timeout: 90_000 }, async (t) => {
  const f = await simFixture(t, 25)
  await loadTable(f, 25)
  // Characters JSON escapes with a backslash survive the export unchanged (COPY's text format would double them).
  await pg().sql("INSERT INTO push_subscriptions (id, endpoint, p256dh, auth) VALUES (26, 'https://push.example/a\"b\\c', 'k\\ey', 'tab\there')")
  const r = await run('bash', [exportScript], { DATABASE_URL: pg().url })
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 26)
  const rows = lines.map((l) => JSON.parse(l) as { endpoint: string, keys: { p256dh: string, auth: string }, id: number, user_id: number | null })
  assert.deepEqual(rows.map((row) => row.id), Array.from({ length: 26 }, (_, i) => i + 1))
  for (const row of rows.slice(0, 25)) {
    const s = f.sim.subscription(row.id - 1)
    assert.deepEqual(row, { endpoint: s.endpoint, keys: s.keys, id: row.id, user_id: row.id * 10 })
  }
  assert.deepEqual(rows[25], { endpoint: 'https://push.example/a"b\\c', keys: { p256dh: 'k\\ey', auth: 'tab\there' }, id: 26, user_id: null })

  // The README's pipe, as written: export.sh | notify-sender send -s - …
  await pg().sql('DELETE FROM push_subscriptions WHERE id = 26')
  const send = [binPath, 'send', '1', '-s', '-', '-p', 'piped', '--vapid-keys', f.vapidKeys, '--ca', String(f.options.ca),
    '--allow-host', new URL(f.sim.origin).host, '--allow-private', '--json', '-q']
  const pipe = await run('bash', ['-o', 'pipefail', '-c', `bash "$0" | "${process.execPath}" ${send.map((a) => `'${a}'`).join(' ')}`, exportScript], { DATABASE_URL: pg().url })
  assert.equal(pipe.code, EXIT.ok, pipe.stderr)
  const report = JSON.parse(pipe.stdout) as Report
  assert.equal(report.outcomes?.read, 25)
  assert.equal(report.outcomes?.sent, 25)
  for (let i = 0; i < 25; i++) assert.equal(f.sim.deliveries(i), 1)
})

test('prune-expired.mjs deletes exactly the rows a real send found expired (by endpoint, then by id)', { skip, timeout: 90_000 }, async (t) => {
  // A fixed seed makes the set of expired subscriptions deterministic.
  const f = await simFixture(t, 120, { faults: { expired: 0.25 }, seed: '0dd5'.repeat(16) })
  await loadTable(f, 120)
  const out = join(f.dir, 'out')
  const { subscriptions: _file, ...options } = f.options
  const r = await runSend({ ...options, source: pg().url, query: 'SELECT id, endpoint, p256dh, auth FROM push_subscriptions ORDER BY id', payload: 'x', workers: 1, out })
  const { outcomes, records } = assertReconciled(r, out)
  assert.ok(outcomes.expired > 5 && outcomes.sent > 5, JSON.stringify(outcomes))
  assert.equal(outcomes.sent + outcomes.expired, 120)
  const expiredEndpoints = new Set(records.expired.map((rec) => String(rec.endpoint)))
  assert.equal(expiredEndpoints.size, outcomes.expired)
  const expiredFile = join(out, 'expired.ndjson')

  const remaining = async (): Promise<string[]> => (await pg().sql<{ endpoint: string }>('SELECT endpoint FROM push_subscriptions ORDER BY id')).map((row) => row.endpoint)
  const kept = (await remaining()).filter((e) => !expiredEndpoints.has(e))
  const byEndpoint = await run(process.execPath, [pruneScript, expiredFile], { DATABASE_URL: pg().url, BATCH: '7' })
  assert.equal(byEndpoint.code, 0, byEndpoint.stderr)
  const counts = JSON.parse(byEndpoint.stdout) as Record<string, number>
  assert.equal(counts.records, outcomes.expired)
  assert.equal(counts.deleted, outcomes.expired)
  assert.equal(counts.batches, Math.ceil(outcomes.expired / 7))
  assert.deepEqual(await remaining(), kept)
  // Pruning again deletes nothing more.
  const again = await run(process.execPath, [pruneScript, expiredFile], { DATABASE_URL: pg().url })
  assert.equal(again.code, 0, again.stderr)
  assert.equal((JSON.parse(again.stdout) as Record<string, number>).deleted, 0)

  // By the id metadata the query carried into each outcome record.
  await loadTable(f, 120)
  const byId = await run(process.execPath, [pruneScript, expiredFile], { DATABASE_URL: pg().urlWithoutPassword, PGPASSWORD: pg().password, PRUNE_BY: 'id' })
  assert.equal(byId.code, 0, byId.stderr)
  assert.equal((JSON.parse(byId.stdout) as Record<string, number>).deleted, outcomes.expired)
  assert.deepEqual(await remaining(), kept)
})

test('#11 - a two-day cron sequence against PostgreSQL: day 2, with 100 rows deleted and 100 added, sends the new list in full; prune-expired handles a quiet day', { skip, timeout: 120_000 }, async (t) => {
  const f = await simFixture(t, 600)
  await loadTable(f, 500)
  const out = join(f.dir, 'results')
  // The cron template's command: the same every day, a fixed --out, --resume to finish a day cut short.
  const args = ['send', '2', '--source', pg().urlWithoutPassword, '--query', 'SELECT id, endpoint, p256dh, auth FROM push_subscriptions ORDER BY id',
    '-p', 'daily', '--vapid-keys', f.vapidKeys, '--ca', String(f.options.ca), '--allow-host', new URL(f.sim.origin).host, '--allow-private',
    '--out', out, '--resume', '--json', '--log-level', 'warn']
  const env = { PGPASSWORD: pg().password }
  const day1 = await run(process.execPath, [binPath, ...args], env)
  assert.equal(day1.code, EXIT.ok, day1.stderr)
  assert.equal((JSON.parse(day1.stdout) as Report).outcomes?.sent, 500)
  // A quiet day: nothing expired, and expired.ndjson is there all the same, so the prune step succeeds.
  assert.equal(readFileSync(join(out, 'expired.ndjson'), 'utf8'), '')
  const prune = await run(process.execPath, [pruneScript, join(out, 'expired.ndjson')], { DATABASE_URL: pg().url })
  assert.equal(prune.code, 0, prune.stderr)
  assert.equal((JSON.parse(prune.stdout) as Record<string, number>).records, 0)

  await pg().sql('DELETE FROM push_subscriptions WHERE id <= 100')
  const fresh = Array.from({ length: 100 }, (_, i) => f.sim.subscription(500 + i))
  await pg().sql('INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth) SELECT id, id * 10, e, p, a FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(id, e, p, a)', [
    fresh.map((_, i) => 501 + i), fresh.map((s) => s.endpoint), fresh.map((s) => s.keys.p256dh), fresh.map((s) => s.keys.auth)
  ])
  const day2 = await run(process.execPath, [binPath, ...args], env)
  assert.equal(day2.code, EXIT.ok, day2.stderr)
  const o = (JSON.parse(day2.stdout) as Report).outcomes
  assert.deepEqual([o?.read, o?.sent, o?.skipped], [500, 500, 0])
  for (let i = 0; i < 600; i++) assert.equal(f.sim.deliveries(i), i < 100 || i >= 500 ? 1 : 2, `subscription ${i}`)
})

test('prune-expired.mjs exits non-zero on errors: no DATABASE_URL (2), an unreachable database (1)', async () => {
  const missing = await run(process.execPath, [pruneScript, 'expired.ndjson'], { DATABASE_URL: '' })
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /set DATABASE_URL/)
  const port = await freePort()
  const down = await run(process.execPath, [pruneScript, 'expired.ndjson'], { DATABASE_URL: `postgres://app:pw-not-shown@127.0.0.1:${port}/app` })
  assert.equal(down.code, 1)
  assert.match(down.stderr, /ECONNREFUSED/)
  assert.ok(!down.stderr.includes('pw-not-shown'))
})
