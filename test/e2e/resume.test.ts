// kill -9 in the middle of a send, then the same command with --resume: only what had not been sent is
// sent, and the lines whose fate is unknown are reported as indeterminate instead of being sent twice.
// Without --resume the unfinished run is refused rather than sent again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { binPath } from '../helpers/paths.js'
import { waitUntil, bounded } from '../helpers/bounded.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'
import type { Report } from '../../src/report/report.js'

function run (args: string[]): { child: ReturnType<typeof spawn>, done: Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string }> } {
  const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr?.resume()
  const done = new Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string }>((resolve) => {
    child.on('exit', (code, signal) => { resolve({ code, signal, stdout }) })
  })
  return { child, done }
}

test('resume after kill -9: every subscription delivered exactly once except the reported indeterminate ones', async (t) => {
  const count = 3000
  const f = await simFixture(t, count)
  const out = join(f.dir, 'out')
  const o = f.options
  const args = ['send', '2', '-s', f.subscriptions, '-p', 'resume test', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca),
    '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--out', out, '--log-level', 'warn', '--json']

  // First run, paced so that it is surely killed in the middle.
  const first = run([...args, '--rate', '400'])
  await waitUntil(() => f.sim.stats().delivered >= 600, 'first deliveries', 30_000)
  first.child.kill('SIGKILL')
  const killed = await bounded(first.done, 'killed run exit')
  assert.equal(killed.signal, 'SIGKILL')
  const deliveredBefore = f.sim.stats().delivered
  assert.ok(deliveredBefore < count, 'killed before the end')

  // #11: without --resume, the unfinished run is not silently continued, nor sent again from scratch.
  const refused = run(args)
  let refusedErr = ''
  refused.child.stderr?.on('data', (c: Buffer) => { refusedErr += c.toString() })
  assert.equal((await bounded(refused.done, 'run without --resume')).code, 2)
  assert.match(refusedErr, /holds an unfinished run .*add --resume.*NS_ERR_STATE/)
  assert.equal(f.sim.stats().delivered, deliveredBefore)

  // Same command with --resume (without the pacing): finishes the job.
  const second = await bounded(run([...args, '--resume']).done, 'resumed run', 60_000)
  assert.equal(second.code, 0)
  const report = JSON.parse(second.stdout) as Report
  const oc = report.outcomes
  assert.ok(oc !== undefined)
  assert.equal(oc.read, count)
  assert.equal(oc.read, oc.skipped + oc.sent + oc.indeterminate + oc.failed + oc.expired + oc.invalid + oc.notAttempted)
  assert.ok(oc.skipped > 0, 'the resumed run skipped what the first one settled')

  const indeterminate = new Set(readRecords(join(out, 'indeterminate.ndjson')).map((r) => Number(r.line)))
  assert.equal(indeterminate.size, oc.indeterminate)
  for (let i = 0; i < count; i++) {
    const n = f.sim.deliveries(i)
    if (indeterminate.has(i + 1)) assert.ok(n <= 1, `indeterminate line ${i + 1} delivered ${n} times`)
    else assert.equal(n, 1, `line ${i + 1} delivered ${n} times`)
  }
  assert.equal(f.sim.stats().duplicates, 0)
  // The settled records of both runs together cover every line exactly once.
  const sent = readRecords(join(out, 'sent.ndjson')).map((r) => Number(r.line))
  assert.equal(new Set(sent).size, sent.length, 'no line recorded as sent twice')
  assert.equal(sent.length + indeterminate.size, count)

  // A third run with --resend-indeterminate sends the unknown ones; afterwards every line was delivered.
  const third = await bounded(run([...args, '--resume', '--resend-indeterminate']).done, 'resend run', 60_000)
  assert.equal(third.code, 0)
  const r3 = JSON.parse(third.stdout) as Report
  assert.equal(r3.outcomes?.sent, indeterminate.size)
  for (let i = 0; i < count; i++) {
    const n = f.sim.deliveries(i)
    assert.ok(n >= 1, `line ${i + 1} never delivered`)
    if (n > 1) assert.ok(indeterminate.has(i + 1), `line ${i + 1} duplicated without being indeterminate`)
  }
})

test('resuming with a different input in the same --out is refused with a clear error (exit 2)', async (t) => {
  const f = await simFixture(t, 10)
  const g = await simFixture(t, 12)
  const out = join(f.dir, 'out')
  const o = f.options
  const base = ['-p', 'x', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca), '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--out', out, '--log-level', 'silent']
  const ok = await bounded(run(['send', '1', '-s', f.subscriptions, ...base]).done, 'first')
  assert.equal(ok.code, 0)
  // --retry-failed continues the last run even though it finished: that is where the input is checked.
  const other = run(['send', '1', '-s', g.subscriptions, ...base, '--retry-failed'])
  let stderr = ''
  other.child.stderr?.on('data', (c: Buffer) => { stderr += c.toString() })
  const refused = await bounded(other.done, 'second')
  assert.equal(refused.code, 2)
  assert.match(stderr, /cannot resume: .* holds the progress of another input .*run without --resume to start over.*NS_ERR_STATE/)
  assert.equal(g.sim.stats().delivered, 0)
})
