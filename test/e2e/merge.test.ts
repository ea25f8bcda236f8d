// `notify-sender merge` end to end (#6): two real load runs against a loopback server, each writing its
// report, merged by the real CLI. Exit codes: 0 merged, 1 threshold breached or problem, 2 bad input.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { decodeHistogram } from '../../src/stats/histogram.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import type { CliResult } from '../helpers/cli.js'
import { startH1Server } from '../helpers/servers.js'

const T = { timeout: 90_000 }
// Every response waits this long, so every latency is at least this: a threshold below it must breach.
const DELAY_MS = 15
let dir = ''
let reports: Report[] = []

async function cli (args: string[]): Promise<CliResult> {
  return await runCli(args, { cwd: dir })
}

function expectExit (r: CliResult, code: number, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${String(r.signal)}\n${r.stderr}`)
  assert.equal(r.code, code, `${what}: exit ${String(r.code)}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 4000)}`)
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-merge-'))
  const server = await startH1Server({ status: 200, delayMs: DELAY_MS })
  try {
    // Side by side, like two CI machines (or two pods) loading the same service.
    const runs = await Promise.all([
      cli(['load', server.url, '1', '--requests', '40', '-c', '4', '--report', 'a.json', '--quiet']),
      cli(['load', server.url, '1', '--requests', '60', '-c', '4', '--report', 'b.json', '--quiet'])
    ])
    for (const [i, r] of runs.entries()) expectExit(r, EXIT.ok, `load run ${i}`)
    reports = await Promise.all(['a.json', 'b.json'].map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Report))
    assert.equal(server.stats.requests, 100)
  } finally {
    await bounded(server.close(), 'server close')
  }
})
after(async () => { await rm(dir, { recursive: true, force: true }) })

test('merge --json: one report on stdout, counts and histogram counts are the sums', T, async () => {
  const r = await cli(['merge', 'a.json', 'b.json', '--json', '--report', 'merged.json'])
  expectExit(r, EXIT.ok, 'merge --json')
  const merged = JSON.parse(r.stdout) as Report
  assert.equal(merged.tool, 'notify-sender')
  assert.equal(merged.requests.completed, reports.reduce((s, x) => s + x.requests.completed, 0))
  assert.equal(merged.requests.completed, 100)
  assert.equal(merged.requests.ok, 100)
  assert.equal(decodeHistogram(merged.histograms.corrected).totalCount, 100)
  assert.equal(merged.latency.corrected.count, 100)
  assert.equal(merged.latency.corrected.min, Math.min(...reports.map((x) => x.latency.corrected.min)))
  assert.equal(merged.latency.corrected.max, Math.max(...reports.map((x) => x.latency.corrected.max)))
  // A timer may fire a little early; the minimum still sits near the delay, far above 1 ms.
  assert.ok(merged.latency.corrected.min >= DELAY_MS - 2, `min ${merged.latency.corrected.min} ms`)
  assert.deepEqual(merged.merged, { count: 2, files: ['a.json', 'b.json'] })
  assert.deepEqual(merged.workers.map((w) => w.source), [0, 1])
  assert.equal(merged.passed, true)
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'merged.json'), 'utf8')), merged, '--report writes the same document')
  assert.ok(!r.stderr.includes('"histograms"'), 'the report is not on stderr')
})

test('merge without --json: the summary goes to stderr, nothing to stdout', T, async () => {
  const r = await cli(['merge', 'a.json', 'b.json'])
  expectExit(r, EXIT.ok, 'merge')
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /merged\s+2 report\(s\): a\.json, b\.json/)
  assert.match(r.stderr, /100 completed/)
})

test('merge --max-p99 below every measured latency: exit 1, the threshold shows as breached', T, async () => {
  const min = Math.min(...reports.map((x) => x.latency.corrected.min))
  const limit = Math.ceil(min) - 1
  assert.ok(limit >= 1, `the server delay makes the minimum latency ${min} ms`)
  const r = await cli(['merge', 'a.json', 'b.json', '--max-p99', `${limit}ms`, '--max-error-rate', '0', '--json'])
  expectExit(r, EXIT.failed, 'merge with a breached --max-p99')
  const merged = JSON.parse(r.stdout) as Report
  assert.deepEqual(merged.thresholds.map((t) => [t.name, t.passed]), [['max-error-rate', true], ['max-p99', false]])
  assert.equal(merged.passed, false)
  assert.equal(merged.exitCode, EXIT.failed)
})

test('merge: the same file twice is a problem (exit 1), reported on stderr even with --quiet', T, async () => {
  const r = await cli(['merge', 'a.json', 'a.json', '--quiet'])
  expectExit(r, EXIT.failed, 'merge a.json a.json')
  assert.match(r.stderr, /problem: a\.json is the same report as a\.json/)
})

test('merge: a file that is not a report, or missing, is a usage error naming the file (exit 2)', T, async () => {
  await writeFile(join(dir, 'notes.json'), '{"hello": "world"}\n')
  const bad = await cli(['merge', 'a.json', 'notes.json', '--json'])
  expectExit(bad, EXIT.usage, 'merge with a non-report')
  assert.equal(bad.stdout, '')
  assert.match(bad.stderr, /notes\.json is not a notify-sender report.*NS_ERR_REPORT/)
  const missing = await cli(['merge', 'a.json', 'nope.json'])
  expectExit(missing, EXIT.usage, 'merge with a missing file')
  assert.match(missing.stderr, /nope\.json.*ENOENT/)
  const none = await cli(['merge'])
  expectExit(none, EXIT.usage, 'merge without files')
})
