// Live progress a person can act on (#14): a real file-input send through the CLI with stderr not a
// terminal, so progress is one NDJSON line per second; those lines carry % done, ETA, live p50/p99 and the
// push service paused by a 429. The terminal line's wording is checked on the same kind of sample.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import { progressLine } from '../../src/cli/progress.js'
import type { ProgressSample } from '../../src/engine/supervisor.js'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/files.js'
import { pushServer } from '../helpers/fault-send.js'
import { writeSubscriptions, writeVapidKeyFile } from '../helpers/send-run.js'

interface ProgressRecord {
  msg: string
  completed: number
  percent: number | null
  etaSeconds: number | null
  p50Ms: number | null
  p99Ms: number | null
  missedRateSlots?: number
  dropped?: number
  throttled: Array<{ host: string, status: number, pausedSeconds: number }>
}

test('send from a file, stderr not a terminal: NDJSON progress with %, ETA, p50/p99 and the paused push service', { timeout: 90_000 }, async (t) => {
  // Slow enough answers that the send spans a few progress seconds; once under way, a burst of 20 answers
  // 429 (Retry-After 2 s): a pattern, not an isolated 429, so the push service is paused (README, Throttling).
  const server = await pushServer(t, (req) => req.attempt === 1 && req.index >= 40 && req.index < 60
    ? { status: 429, headers: { 'retry-after': '2' } }
    : { status: 201, delayMs: 40 })
  const dir = tempDir()
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  const n = 150
  const subs = writeSubscriptions(dir, `https://${server.host}`, n)
  const r = await runCli(['send', '-s', subs, '-p', 'progress', '--vapid-keys', writeVapidKeyFile(dir), '--ca', ca, '--allow-host', server.host,
    '--allow-private', '--http', '2', '-c', '4', '--json'], { cwd: dir, timeoutMs: 80_000 })
  assert.equal(r.code, EXIT.ok, r.stderr)
  const progress = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ProgressRecord).filter((l) => l.msg === 'progress')
  assert.ok(progress.length >= 2, `progress lines:\n${r.stderr}`)
  for (const p of progress) {
    assert.ok(p.percent !== null && p.percent >= 0 && p.percent <= 100, `percent in ${JSON.stringify(p)}`)
    assert.equal(typeof p.missedRateSlots, 'number', 'send names the missed slots')
    assert.equal(p.dropped, undefined)
  }
  const pcts = progress.map((p) => p.percent ?? 0)
  assert.deepEqual(pcts, [...pcts].sort((a, b) => a - b), 'percent never goes back')
  assert.ok(progress.some((p) => p.etaSeconds !== null && p.etaSeconds >= 0), 'an ETA is shown')
  assert.ok(progress.some((p) => p.p50Ms !== null && p.p99Ms !== null && p.p50Ms <= p.p99Ms && p.p50Ms >= 30), 'live p50/p99 (answers take 40 ms)')
  const paused = progress.flatMap((p) => p.throttled)
  assert.ok(paused.some((x) => x.host === server.host && x.status === 429 && x.pausedSeconds >= 1 && x.pausedSeconds <= 2), `a throttled push service in ${JSON.stringify(paused)}`)
  const report = JSON.parse(r.stdout) as { outcomes: { sent: number } }
  assert.equal(report.outcomes.sent, n)
})

test('the terminal line: % done, ETA, p50/p99, a missed slot named as such, and "host: 429, paused N s"', () => {
  const counters = { Completed: 4000, InFlight: 12, Errors: 1, Late: 3, Dropped: 2, Retries: 0 } as ProgressSample['counters']
  const now = 1_700_000_000_000
  const sample: ProgressSample = {
    elapsedMs: 20_000,
    counters,
    rps: 200,
    workersAlive: 2,
    lastSecond: { latency: { corrected: { count: 200, p50: 41.5, p90: 80, p99: 120.25 } } } as ProgressSample['lastSecond'],
    throttled: [{ origin: 'https://fcm.googleapis.com', untilMs: now + 11_200 }],
    work: { done: 4000, total: 10_000 }
  }
  const line = progressLine(sample, 'send', now)
  assert.match(line, /^\[20s\] 40\.0%, ETA 30 s, 4000 done, 200 req\/s/)
  assert.match(line, /p50 41\.5 ms, p99 120\.25 ms/)
  assert.match(line, /rate slots missed \(connections busy\) 2/)
  assert.match(line, /fcm\.googleapis\.com: 429, paused 12 s/)
  assert.match(progressLine(sample, 'load', now), /dropped 2/)
  assert.doesNotMatch(progressLine({ ...sample, work: undefined }, 'load', now), /%/)
})
