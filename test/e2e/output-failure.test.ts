// #12: the outcome files are the record of what was sent, so losing them must stop the run. A disk that
// fills up (a real, small tmpfs mounted for the test: needs root, skipped loudly otherwise) and an outcome
// file deleted or replaced during the run both stop sending, exit 3 (NS_ERR_OUTPUT) with a clear message
// and no stack trace, leave no torn record, and the next --resume settles every line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { waitUntil } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { readRecords, simFixture } from '../helpers/send-fixtures.js'
import type { SimFixture } from '../helpers/send-fixtures.js'

function sendArgs (f: SimFixture, out: string): string[] {
  const o = f.options
  return ['send', '2', '-s', f.subscriptions, '-p', 'output failure', '--vapid-keys', f.vapidKeys, '--ca', String(o.ca),
    '--allow-host', (o.allowHost as string[])[0] as string, '--allow-private', '--out', out, '--log-level', 'warn', '--json']
}

/** Every line of every NDJSON file in `out` is a whole JSON record (none torn). */
function assertNoTornRecord (out: string): void {
  for (const name of readdirSync(out).filter((n) => n.endsWith('.ndjson'))) {
    for (const line of readFileSync(join(out, name), 'utf8').split('\n').filter((l) => l !== '')) {
      assert.doesNotThrow(() => JSON.parse(line), `${name}: torn record ${JSON.stringify(line.slice(0, 80))}`)
    }
  }
}

/** Resumes with `--resume` and checks that every line is settled, none sent twice, none delivered without a record saying it may have been. */
async function assertResumeSettlesEverything (f: SimFixture, out: string, count: number): Promise<void> {
  const r = await runCli([...sendArgs(f, out), '--resume'], { timeoutMs: 90_000 })
  assert.equal(r.code, EXIT.ok, r.stderr)
  const o = (JSON.parse(r.stdout) as Report).outcomes
  assert.ok(o !== undefined)
  assert.equal(o.read, count)
  assert.equal(o.read, o.sent + o.expired + o.failed + o.invalid + o.notAttempted + o.indeterminate + o.skipped)
  assert.equal(o.notAttempted, 0)
  assert.equal(f.sim.stats().duplicates, 0)
  const maybe = new Set([...readRecords(join(out, 'sent.ndjson')), ...readRecords(join(out, 'indeterminate.ndjson'))].map((rec) => Number(rec.line)))
  for (let i = 0; i < count; i++) {
    if (f.sim.deliveries(i) > 0) assert.ok(maybe.has(i + 1), `line ${i + 1} was delivered but is recorded neither sent nor indeterminate`)
  }
}

// A tmpfs of a few pages: mounting one is the real thing (ENOSPC from the kernel), and needs root.
function mountSkipReason (): string | false {
  if (process.platform !== 'linux') return 'needs Linux tmpfs to fill a real filesystem'
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs (mount -t tmpfs); run the tests as root to cover ENOSPC'
  const probe = mkdtempSync(join(tmpdir(), 'notify-sender-mount-probe-'))
  try {
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' })
    if (m.status !== 0) return `cannot mount a tmpfs here (${(m.stderr || m.error?.message || '').trim()}); ENOSPC is not covered`
    spawnSync('umount', [probe])
    return false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
}
const noMount = mountSkipReason()
if (noMount !== false) process.stderr.write(`SKIPPED: #12 disk-full test: ${noMount}\n`)

test('#12 - disk full under --out: sending stops, exit 3 with a clear message, no stack trace, no torn record; --resume settles every line', { skip: noMount, timeout: 180_000 }, async (t) => {
  const count = 3000
  const f = await simFixture(t, count)
  // Not under f.dir: its removal would run before this test's own clean-up and fail on the mount point.
  const mnt = mkdtempSync(join(tmpdir(), 'notify-sender-enospc-'))
  // Room for a few hundred records: the disk fills up early in the run.
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', mnt], { encoding: 'utf8' })
  assert.equal(m.status, 0, m.stderr)
  t.after(() => {
    spawnSync('umount', ['-l', mnt])
    rmSync(mnt, { recursive: true, force: true })
  })
  const out = join(mnt, 'out')

  const first = await runCli(sendArgs(f, out), { timeoutMs: 90_000 })
  assert.equal(first.code, EXIT.output, first.stderr)
  assert.match(first.stderr, /no space left on device \(ENOSPC\)/)
  assert.doesNotMatch(first.stderr, /\n\s+at /, 'no stack trace')
  const report = JSON.parse(first.stdout) as Report
  assert.equal(report.exitCode, EXIT.output)
  assert.ok(report.problems.some((p) => p.includes('ENOSPC')), JSON.stringify(report.problems))
  const o = report.outcomes
  assert.ok(o !== undefined)
  assert.ok(o.read < count || o.notAttempted > 0, `sending stopped: ${JSON.stringify(o)}`)
  assert.ok(f.sim.stats().delivered < count, 'sending stopped before the end of the input')
  assertNoTornRecord(out)

  // Free space, then the same command with --resume.
  const grow = spawnSync('mount', ['-o', 'remount,size=8m', mnt], { encoding: 'utf8' })
  assert.equal(grow.status, 0, grow.stderr)
  await assertResumeSettlesEverything(f, out, count)
  assertNoTornRecord(out)
})

for (const how of ['deleted', 'replaced'] as const) {
  test(`#12 - sent.ndjson ${how} during the run: the run fails (exit 3) with a clear message; --resume settles every line`, { timeout: 180_000 }, async (t) => {
    const count = 3000
    const f = await simFixture(t, count)
    const out = join(f.dir, 'out')
    const sent = join(out, 'sent.ndjson')
    let child: ChildProcess | undefined
    const run = runCli([...sendArgs(f, out), '--rate', '500'], { onSpawn: (c) => { child = c }, timeoutMs: 90_000 })
    await waitUntil(() => { try { return statSync(sent).size > 0 } catch { return false } }, 'first sent records', 60_000)
    if (how === 'deleted') {
      unlinkSync(sent)
    } else {
      writeFileSync(sent + '.new', '')
      renameSync(sent + '.new', sent)
    }
    const r = await run
    assert.ok(child !== undefined)
    assert.equal(r.code, EXIT.output, r.stderr)
    assert.match(r.stderr, new RegExp(`sent\\.ndjson was ${how === 'deleted' ? 'deleted' : 'replaced by another file'} during the run`))
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    const report = JSON.parse(r.stdout) as Report
    assert.equal(report.passed, false)
    assert.ok((report.outcomes?.read ?? count) < count || (report.outcomes?.notAttempted ?? 0) > 0, 'sending stopped')
    await assertResumeSettlesEverything(f, out, count)
  })
}
