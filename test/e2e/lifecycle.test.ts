// The run lifecycle of issue #11 with real processes and the simulator: a clean stop (SIGINT, SIGTERM,
// --duration) then --resume sends every line the stopped run reported not-attempted; a run that finished
// closes its state, so a cron job's same command the next day sends the new list in full; every outcome
// file exists, empty when nothing had that outcome; --retry-failed sends the failed lines again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import { OUTCOME_FILES } from '../../src/send/outcome-files.js'
import type { Report } from '../../src/report/report.js'
import { waitUntil } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { readRecords, simFixture } from '../helpers/send-fixtures.js'
import type { SimFixture } from '../helpers/send-fixtures.js'

function sendArgs (f: SimFixture, subscriptions: string, out: string, workers = '2'): string[] {
  const o = f.options
  return ['send', workers, '-s', subscriptions, '-p', 'lifecycle', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca),
    '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--out', out, '--log-level', 'warn', '--json']
}

function outcomesOf (stdout: string): NonNullable<Report['outcomes']> {
  const o = (JSON.parse(stdout) as Report).outcomes
  assert.ok(o !== undefined)
  assert.equal(o.read, o.sent + o.expired + o.failed + o.invalid + o.dryRun + o.notAttempted + o.indeterminate + o.skipped, 'counts reconcile')
  return o
}

const STOPS: Array<{ how: string, extra: string[], signal?: NodeJS.Signals, code: number }> = [
  { how: 'SIGINT', extra: [], signal: 'SIGINT', code: EXIT.sigint },
  { how: 'SIGTERM', extra: [], signal: 'SIGTERM', code: EXIT.sigterm },
  { how: '--duration', extra: ['--duration', '1s'], code: EXIT.ok }
]

for (const stop of STOPS) {
  test(`#11 - a clean stop (${stop.how}) then --resume: the lines reported not-attempted are sent, none comes back indeterminate`, { timeout: 120_000 }, async (t) => {
    const count = 3000
    const f = await simFixture(t, count)
    const out = join(f.dir, 'out')
    const args = sendArgs(f, f.subscriptions, out)
    // Paced, so that the workers hold queued lines (the ones that come back not-attempted) when it stops.
    let child: ChildProcess | undefined
    const firstRun = runCli([...args, '--rate', '500', ...stop.extra], { onSpawn: (c) => { child = c }, timeoutMs: 90_000 })
    if (stop.signal !== undefined) {
      await waitUntil(() => f.sim.stats().delivered >= 300, 'first deliveries', 60_000)
      child?.kill(stop.signal)
    }
    const first = await firstRun
    assert.equal(first.code, stop.code, first.stderr)
    const o1 = outcomesOf(first.stdout)
    assert.ok(o1.notAttempted > 0, `the stop left lines not attempted: ${JSON.stringify(o1)}`)
    assert.ok(f.sim.stats().delivered < count)
    const notAttempted = readRecords(join(out, 'not-attempted.ndjson')).map((r) => Number(r.line))
    assert.equal(notAttempted.length, o1.notAttempted)

    const second = await runCli([...args, '--resume'], { timeoutMs: 90_000 })
    assert.equal(second.code, EXIT.ok, second.stderr)
    const o2 = outcomesOf(second.stdout)
    assert.equal(o2.read, count)
    // Only lines that may really have reached the service are indeterminate: after a clean stop, those the
    // first run itself reported so (in flight past --grace), never the not-attempted ones.
    assert.equal(o2.indeterminate, 0, JSON.stringify(o2))
    assert.equal(o2.skipped, o1.sent + o1.failed + o1.expired + o1.invalid + o1.indeterminate)
    for (const line of notAttempted) assert.equal(f.sim.deliveries(line - 1), 1, `not-attempted line ${line} delivered once`)
    for (let i = 0; i < count; i++) assert.ok(f.sim.deliveries(i) <= 1, `line ${i + 1} delivered ${f.sim.deliveries(i)} times`)
    assert.equal(f.sim.stats().duplicates, 0)
    assert.ok(f.sim.stats().delivered >= count - o1.indeterminate, 'every line that was not in flight at the stop was delivered')
  })
}

test('#11 - cron day 2 (file input): the same command with a fixed --out sends the new day\'s list in full', { timeout: 120_000 }, async (t) => {
  const f = await simFixture(t, 400)
  const lines = f.lines()
  const list = join(f.dir, 'today.ndjson')
  const out = join(f.dir, 'results')
  // What a cron line runs every day: the same arguments, a fixed --out, and --resume to finish a day that was cut short.
  const args = [...sendArgs(f, list, out), '--resume']

  writeFileSync(list, lines.slice(0, 300).join('\n') + '\n')
  const day1 = await runCli(args, { timeoutMs: 90_000 })
  assert.equal(day1.code, EXIT.ok, day1.stderr)
  assert.equal(outcomesOf(day1.stdout).sent, 300)
  // #11 item 7: every outcome file exists, empty when nothing had that outcome (a quiet day has no expired).
  for (const name of Object.values(OUTCOME_FILES)) assert.ok(existsSync(join(out, name)), `${name} exists`)
  assert.equal(readFileSync(join(out, 'expired.ndjson'), 'utf8'), '')

  // Day 2: 100 subscribers left, 100 new ones, and the export is a new file at the same path.
  writeFileSync(list, lines.slice(100, 400).join('\n') + '\n')
  const day2 = await runCli(args, { timeoutMs: 90_000 })
  assert.equal(day2.code, EXIT.ok, day2.stderr)
  const o2 = outcomesOf(day2.stdout)
  assert.deepEqual([o2.read, o2.sent, o2.skipped], [300, 300, 0])
  for (let i = 0; i < 400; i++) assert.equal(f.sim.deliveries(i), i < 100 || i >= 300 ? 1 : 2, `subscription ${i}`)
  // The outcome files hold day 2 only.
  assert.equal(readRecords(join(out, 'sent.ndjson')).length, 300)

  // Day 3: the very same list again is sent again too.
  const day3 = await runCli(args, { timeoutMs: 90_000 })
  assert.equal(day3.code, EXIT.ok, day3.stderr)
  assert.equal(outcomesOf(day3.stdout).sent, 300)
})

test('#11 - --retry-failed sends again the lines that failed in the last run, and nothing else', { timeout: 120_000 }, async (t) => {
  const count = 400
  // 30% of requests answer 500; without retries those lines fail. The retry draws new faults, so most get through.
  const f = await simFixture(t, count, { faults: { serverError: 0.3 }, seed: 'a11e'.repeat(16) })
  const out = join(f.dir, 'out')
  const args = [...sendArgs(f, f.subscriptions, out), '--retries', '0', '--max-error-rate', '100%']
  const first = await runCli(args, { timeoutMs: 90_000 })
  assert.equal(first.code, EXIT.ok, first.stderr)
  const o1 = outcomesOf(first.stdout)
  assert.ok(o1.failed > 20, JSON.stringify(o1))
  const failed = new Set(readRecords(join(out, 'failed.ndjson')).map((r) => Number(r.line)))

  const retry = await runCli([...args, '--retry-failed'], { timeoutMs: 90_000 })
  assert.equal(retry.code, EXIT.ok, retry.stderr)
  const o2 = outcomesOf(retry.stdout)
  assert.equal(o2.skipped, count - o1.failed)
  assert.equal(o2.sent + o2.failed, o1.failed)
  assert.ok(o2.sent > 0)
  const sentNow = readRecords(join(out, 'sent.ndjson')).slice(o1.sent).map((r) => Number(r.line))
  assert.equal(sentNow.length, o2.sent)
  for (const line of sentNow) assert.ok(failed.has(line), `line ${line} was sent again although it had not failed`)
  for (let i = 0; i < count; i++) assert.ok(f.sim.deliveries(i) <= 1, `line ${i + 1} delivered twice`)
  assert.equal(f.sim.stats().delivered, o1.sent + o2.sent)
})
