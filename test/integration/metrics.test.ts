// Prometheus metrics (#14): a real send on loopback scraped over HTTP while it runs and after it ended,
// and the CLI's --metrics-port / --metrics-file on a real load run. The exposition text is parsed
// (parse-prometheus-text-format, prom2json's shape) and every line is checked against the text format's
// grammar, so a malformed line cannot hide in a lenient parse.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { RunMetrics } from '../../src/metrics/exporter.js'
import { startMetricsServer } from '../../src/metrics/server.js'
import type { Report } from '../../src/report/report.js'
import { EXIT } from '../../src/report/exit-codes.js'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/files.js'
import { pushServer, sendTo } from '../helpers/fault-send.js'
import { startH1Server } from '../helpers/servers.js'

const T = { timeout: 90_000 }
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABELS = `\\{(${NAME}="(\\\\.|[^"\\\\])*"(,${NAME}="(\\\\.|[^"\\\\])*")*)?\\}`
const SAMPLE = new RegExp(`^${NAME}(${LABELS})? (-?[0-9.e+-]+|NaN|\\+Inf|-Inf)$`)

/** Parses exposition text after checking each line against the format; returns `name{labels}` → value. */
function parseStrict (text: string): Map<string, number> {
  const lines = text.split('\n')
  assert.equal(lines.at(-1), '', 'the text ends with a newline')
  for (const line of lines.slice(0, -1)) {
    // Blank lines are allowed between families (prom-client writes them).
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    assert.match(line, SAMPLE, 'a sample line of the text format')
  }
  const out = new Map<string, number>()
  for (const f of parsePrometheusTextFormat(text)) {
    for (const m of f.metrics) {
      const labels = Object.entries(m.labels ?? {}).filter(([k]) => k !== 'command').map(([k, v]) => `${k}=${v}`).sort().join(',')
      const key = `${f.name}{${labels}}`
      // A histogram's count is its +Inf bucket (the parser drops _count when the series has labels).
      const value = Number(f.type === 'HISTOGRAM' ? m.buckets?.['+Inf'] : m.value)
      assert.ok(Number.isFinite(value), `${key}: ${JSON.stringify(m)}`)
      out.set(f.type === 'HISTOGRAM' ? `${f.name}_count{${labels}}` : key, value)
    }
  }
  return out
}

async function scrape (url: string): Promise<Map<string, number>> {
  const res = await fetch(url)
  assert.equal(res.status, 200, url)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parseStrict(await res.text())
}

function assertMatchesReport (m: Map<string, number>, r: Report): void {
  assert.equal(m.get('notify_sender_requests_started_total{}'), r.requests.started)
  assert.equal(m.get('notify_sender_requests_completed_total{}'), r.requests.completed)
  for (const k of ['2xx', '4xx', '5xx'] as const) assert.equal(m.get(`notify_sender_responses_total{class=${k}}`), r.status[k], k)
  for (const [kind, e] of Object.entries(r.errors)) assert.equal(m.get(`notify_sender_errors_total{kind=${kind}}`), e.count, kind)
  assert.equal(m.get('notify_sender_latency_seconds_count{}'), r.latency.corrected.count)
  assert.equal(m.get('notify_sender_in_flight{}'), 0)
}

test('a send scraped over loopback while it runs and after: the counters match the final report', T, async (t) => {
  // A burst of 429s once under way: a pattern, so the origin is paused (an isolated 429 only delays its message).
  const server = await pushServer(t, (req) => req.attempt === 1 && req.index >= 30 && req.index < 50
    ? { status: 429, headers: { 'retry-after': '1' } }
    : req.index % 11 === 3 ? { status: 410 } : { status: 201, delayMs: 20 })
  const metrics = new RunMetrics('send')
  const endpoint = await startMetricsServer(metrics, '127.0.0.1', 0)
  t.after(async () => { await endpoint.close() })
  assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  let during: Promise<Map<string, number>> | null = null
  const { report } = await sendTo(server, 120, { concurrency: 4 }, {
    progressIntervalMs: 200,
    onProgress: (p) => {
      metrics.sample(p)
      // The first sample with work done: scrape while the run is still going.
      if (during === null && p.counters.Completed > 0 && p.counters.InFlight > 0) during = scrape(endpoint.url)
    }
  })
  assert.ok(during !== null, 'a progress sample arrived while the send ran')
  const mid = await (during as Promise<Map<string, number>>)
  const started = mid.get('notify_sender_requests_started_total{}') ?? 0
  assert.ok(started > 0 && started <= report.requests.started, `started ${started} during the run`)
  metrics.final(report)
  const end = await scrape(endpoint.url)
  assertMatchesReport(end, report)
  const origin = `https://${server.host}`
  assert.equal(end.get('notify_sender_outcomes_total{outcome=sent}'), report.outcomes?.sent)
  assert.equal(end.get('notify_sender_outcomes_total{outcome=expired}'), report.outcomes?.expired)
  assert.equal(end.get(`notify_sender_origin_outcomes_total{origin=${origin},outcome=sent}`), report.outcomes?.sent)
  assert.equal(end.get(`notify_sender_origin_requests_total{origin=${origin}}`), report.requests.completed)
  assert.equal(end.get(`notify_sender_origin_throttled_total{origin=${origin}}`), report.status.codes['429'])
  assert.ok((end.get(`notify_sender_origin_paused_seconds_total{origin=${origin}}`) ?? 0) > 0, 'time paused by the 429')
})

test('load --metrics-port 0 --metrics-file: served on loopback during the run, the file holds the final counters', T, async (t) => {
  const server = await startH1Server({ status: (i) => i % 5 === 0 ? 500 : 200 })
  t.after(async () => { await server.close() })
  const dir = tempDir()
  let url: string | null = null
  const scrapes: Array<Promise<Map<string, number>>> = []
  const r = await runCli(['load', server.url, '1', '--rate', '100', '--duration', '2s', '--metrics-port', '0', '--metrics-file', 'run.prom', '--json'], {
    cwd: dir,
    onSpawn: (child) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        // The log redacts URL paths, so the line names host and port.
        const m = /Prometheus metrics on (\d+\.\d+\.\d+\.\d+:\d+)/.exec(chunk.toString())
        if (m !== null && url === null) {
          url = `http://${m[1] ?? ''}/metrics`
          scrapes.push(scrape(url ?? ''))
        }
      })
    }
  })
  assert.equal(r.code, EXIT.ok, r.stderr)
  const report = JSON.parse(r.stdout) as Report
  assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, 'bound to 127.0.0.1 by default')
  assert.equal(scrapes.length, 1)
  const mid = await scrapes[0]
  assert.ok(mid !== undefined && mid.has('notify_sender_requests_started_total{}'), 'scraped while the run was going')
  const file = parseStrict(await readFile(join(dir, 'run.prom'), 'utf8'))
  assertMatchesReport(file, report)
  // The rate gauges end as the report's last second (which may come after the schedule ended: 0 due).
  assert.ok(report.timeline.some((s) => (s.target ?? 0) > 0), 'an open-model run has requests due')
  assert.equal(file.get('notify_sender_rate_target{}'), report.timeline.at(-1)?.target)
  assert.equal(file.get('notify_sender_rate_achieved{}'), report.timeline.at(-1)?.completed)
})
