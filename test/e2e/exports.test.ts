// `--timeline file.csv` and `--hgrm prefix` (#14) end to end: a real load run through the CLI, the CSV read
// back with a strict RFC 4180 parser and the .hgrm files parsed as HdrHistogram percentile distributions,
// both checked against the JSON report of the same run; `merge` writes them (and --html) too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { startH1Server } from '../helpers/servers.js'

const T = { timeout: 90_000 }

interface Hgrm {
  rows: Array<{ value: number, percentile: number, totalCount: number }>
  totalCount: number
  max: number
}

// The format HdrHistogram's outputPercentileDistribution writes: a header line, value rows, then the
// #[Mean ...] and #[Max = …, Total count = …] trailer lines and the bucket summary.
function parseHgrm (text: string): Hgrm {
  const lines = text.split('\n')
  assert.match(lines[0] ?? '', /^\s*Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)\s*$/)
  const rows: Hgrm['rows'] = []
  let totalCount = NaN
  let max = NaN
  for (const line of lines.slice(1)) {
    // The 100 % row has no 1/(1-Percentile) column.
    const row = /^\s*([\d.]+)\s+([\d.]+)\s+(\d+)(\s+[\d.]+)?\s*$/.exec(line)
    if (row !== null) {
      rows.push({ value: Number(row[1]), percentile: Number(row[2]), totalCount: Number(row[3]) })
      continue
    }
    const trailer = /^#\[Max\s*=\s*([\d.]+),\s*Total count\s*=\s*(\d+)\]/.exec(line)
    if (trailer !== null) {
      max = Number(trailer[1])
      totalCount = Number(trailer[2])
    }
  }
  return { rows, totalCount, max }
}

test('load --timeline --hgrm: the CSV and the .hgrm files parse and agree with the report', T, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-exports-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const server = await startH1Server({ status: 200, delayMs: 5 })
  let r
  try {
    r = await runCli(['load', server.url, '1', '--rate', '100', '--duration', '2s', '-c', '10', '--timeline', 'tl.csv', '--hgrm', 'lat', '--json', '--quiet'], { cwd: dir })
  } finally {
    await bounded(server.close(), 'server close')
  }
  assert.equal(r.code, EXIT.ok, r.stderr)
  const report = JSON.parse(r.stdout) as Report

  const rows = parse(await readFile(join(dir, 'tl.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>
  assert.equal(rows.length, report.timeline.length)
  const sum = (col: string): number => rows.reduce((s, row) => s + Number(row[col]), 0)
  assert.equal(sum('started'), report.requests.started)
  assert.equal(sum('completed'), report.requests.completed)
  assert.equal(sum('status_2xx'), report.status['2xx'])
  assert.equal(sum('latency_count'), report.latency.corrected.count)
  assert.ok(Math.abs(sum('target') - 200) < 1, `target ${sum('target')}`)
  for (const [i, row] of rows.entries()) {
    assert.equal(Number(row.t), report.timeline[i]?.t)
    assert.equal(Date.parse(row.time ?? ''), Number(row.t) * 1000)
    assert.equal(Number(row.corrected_p99_ms), report.timeline[i]?.latency.corrected.p99)
  }

  for (const which of ['corrected', 'raw'] as const) {
    const h = parseHgrm(await readFile(join(dir, `lat.${which}.hgrm`), 'utf8'))
    assert.equal(h.totalCount, report.latency[which].count, `${which}: total count`)
    assert.ok(h.rows.length > 5, `${which}: ${h.rows.length} rows`)
    assert.equal(h.rows.at(-1)?.totalCount, report.latency[which].count)
    assert.equal(h.rows.at(-1)?.percentile, 1)
    // Written in ms like the report; HdrHistogram reports the max as its bucket's highest equivalent value.
    assert.ok(Math.abs(h.max - report.latency[which].max) <= report.latency[which].max * 0.01, `${which}: max ${h.max} vs ${report.latency[which].max}`)
    for (let i = 1; i < h.rows.length; i++) assert.ok((h.rows[i]?.value ?? 0) >= (h.rows[i - 1]?.value ?? 0), 'values ascend')
  }

  // merge writes the same exports from the merged report.
  await writeFile(join(dir, 'a.json'), r.stdout)
  const m2 = await runCli(['merge', 'a.json', '--timeline', 'merged.csv', '--hgrm', 'merged', '--html', 'merged.html', '--quiet'], { cwd: dir })
  assert.equal(m2.code, EXIT.ok, m2.stderr)
  // The page itself is checked in a browser by html-report.test.ts; here: merge writes one, self-contained.
  const html = await readFile(join(dir, 'merged.html'), 'utf8')
  assert.match(html, /<script type="application\/json" id="ns-model">/)
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i)
  const merged = parse(await readFile(join(dir, 'merged.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>
  assert.equal(merged.reduce((s, row) => s + Number(row.started), 0), report.requests.started)
  assert.equal(parseHgrm(await readFile(join(dir, 'merged.corrected.hgrm'), 'utf8')).totalCount, report.latency.corrected.count)
})
