// Three `--shard i/3` processes read the same input, as the pods of a Kubernetes Indexed Job would: the
// simulator sees every subscription exactly once, and each invalid line is reported by exactly one shard.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'
import type { Report } from '../../src/report/report.js'

const BAD_LINES = ['not json', '{"endpoint":"https://127.0.0.1/x"}', '[1,2]', '{"id":"no-endpoint"}', '{"endpoint":42,"keys":{}}']

test('3 shards on loopback: disjoint, complete, every line accounted for once', async (t) => {
  const count = 900
  const f = await simFixture(t, count)
  appendFileSync(f.subscriptions, BAD_LINES.join('\n') + '\n')
  const total = count + BAD_LINES.length
  const o = f.options
  const base = ['send', '1', '-s', f.subscriptions, '-p', 'shard test', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca),
    '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--log-level', 'warn', '--json']
  const outs = [0, 1, 2].map((i) => join(f.dir, `out-${i}`))
  for (const d of outs) mkdirSync(d)
  // Each way of naming the shard: the flag, NOTIFY_SENDER_SHARD, and a count with JOB_COMPLETION_INDEX.
  const runs = await Promise.all([
    runCli([...base, '--out', outs[0] as string, '--shard', '0/3'], { timeoutMs: 60_000 }),
    runCli([...base, '--out', outs[1] as string], { env: { NOTIFY_SENDER_SHARD: '1/3' }, timeoutMs: 60_000 }),
    runCli([...base, '--out', outs[2] as string, '--shard', '3'], { env: { JOB_COMPLETION_INDEX: '2' }, timeoutMs: 60_000 })
  ])
  const reports = runs.map((r, i) => {
    assert.equal(r.code, 0, `shard ${i}: ${r.stderr}`)
    return JSON.parse(r.stdout) as Report
  })

  // Sent records carry the line's metadata (the simulator's subscription id), not the endpoint.
  const sentIds = new Set<string>()
  let sent = 0
  let invalid = 0
  let read = 0
  reports.forEach((r, i) => {
    assert.deepEqual({ index: r.shard?.index, count: r.shard?.count }, { index: i, count: 3 })
    assert.equal(r.settings.shard, `${i}/3`)
    const oc = r.outcomes
    assert.ok(oc !== undefined && r.shard !== undefined)
    // Each shard reconciles on its own, and saw the whole input.
    assert.equal(oc.read, oc.sent + oc.expired + oc.failed + oc.invalid + oc.notAttempted + oc.indeterminate + oc.skipped + oc.dryRun)
    assert.equal(oc.read + r.shard.otherShardLines, total)
    // A shard holds roughly a third (SHA-256 split); never nothing, never everything.
    assert.ok(oc.read > total / 6 && oc.read < total / 2, `shard ${i} read ${oc.read}`)
    read += oc.read
    sent += oc.sent
    invalid += oc.invalid
    const records = readRecords(join(outs[i] as string, 'sent.ndjson'))
    assert.equal(records.length, oc.sent)
    for (const rec of records) {
      const id = String((rec.meta as { id?: string } | undefined)?.id)
      assert.equal(sentIds.has(id), false, `${id} sent by two shards`)
      sentIds.add(id)
    }
  })
  assert.equal(read, total)
  assert.equal(sent, count)
  assert.equal(invalid, BAD_LINES.length)
  assert.equal(sentIds.size, count)

  // What the push service saw: each subscription exactly once.
  const stats = f.sim.stats()
  assert.equal(stats.delivered, count)
  assert.equal(stats.deliveredOnce, count)
  assert.equal(stats.duplicates, 0)
  for (let i = 0; i < count; i++) assert.equal(f.sim.deliveries(i), 1, `subscription ${i}`)
})

test('a shard refuses to resume another shard\'s --out, and an Indexed Job pod without a shard count refuses to start', async (t) => {
  const f = await simFixture(t, 30)
  const o = f.options
  const out = join(f.dir, 'out')
  const base = ['send', '1', '-s', f.subscriptions, '-p', 'x', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca),
    '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--log-level', 'warn', '--out', out]
  const first = await runCli([...base, '--shard', '0/2'])
  assert.equal(first.code, 0, first.stderr)
  // --retry-failed continues the last run in --out, so its shard is checked.
  const other = await runCli([...base, '--shard', '1/2', '--retry-failed'])
  assert.equal(other.code, 2, other.stderr)
  assert.match(other.stderr, /holds the progress of shard 0\/2, not of shard 1\/2; give each shard its own --out directory \[NS_ERR_STATE\]/)

  const pod = await runCli(base.slice(0, -2), { env: { JOB_COMPLETION_INDEX: '1' } })
  assert.equal(pod.code, 2)
  assert.match(pod.stderr, /JOB_COMPLETION_INDEX=1 is set .* every pod would send the whole input/)
  assert.equal(pod.stdout, '')
  // Only the first shard sent anything.
  assert.equal(f.sim.stats().delivered, readRecords(join(out, 'sent.ndjson')).length)
  assert.ok(f.sim.stats().delivered > 0)
})
