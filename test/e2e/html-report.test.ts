// `--html` (#14) in a real browser: reports of real loopback runs (a CLI load with a status mix, a send
// with 429s) rendered by headless Chromium (Debian's package, driven by playwright-core; no browser is
// ever downloaded). Every chart must have drawn data points, nothing may be fetched, the console stays
// clean; a full-page screenshot is saved under the test's temp directory.
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { EXIT } from '../../src/report/exit-codes.js'
import { writeHtmlReport } from '../../src/report/html.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { CREATED, pushServer, sendTo } from '../helpers/fault-send.js'
import { startH2Server } from '../helpers/servers.js'

const CHROMIUM = process.env.NOTIFY_SENDER_TEST_CHROMIUM ?? '/usr/bin/chromium'
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set NOTIFY_SENDER_TEST_CHROMIUM): the HTML report is not checked in a browser`
const T = { timeout: 120_000, skip: SKIP }

interface Rendered {
  charts: Array<{ id: string, points: number, canvas: boolean }>
  text: string
}

/** Opens `file` in a fresh headless Chromium profile; returns what rendered and fails on console errors or fetches. */
async function render (t: TestContext, file: string, screenshot: string): Promise<Rendered> {
  const profile = await mkdtemp(join(tmpdir(), 'ns-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.after(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  })
  const page = await context.newPage()
  const problems: string[] = []
  const fetched: string[] = []
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => { problems.push(`page error: ${e.message}`) })
  // A self-contained page asks for nothing but itself.
  await page.route('**/*', async (route) => {
    const url = route.request().url()
    if (url === pathToFileURL(file).href) return await route.continue()
    fetched.push(url)
    return await route.abort()
  })
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
  await page.waitForFunction(() => (globalThis as unknown as { __nsCharts?: unknown[] }).__nsCharts !== undefined)
  const rendered = await page.evaluate(() => {
    const g = globalThis as unknown as { __nsCharts: Array<{ id: string, points: number }>, document: { querySelector: (s: string) => unknown, body: { innerText: string } } }
    return {
      charts: g.__nsCharts.map((c) => ({ ...c, canvas: g.document.querySelector(`[data-chart="${c.id}"] canvas`) !== null })),
      text: g.document.body.innerText
    }
  })
  await page.screenshot({ path: screenshot, fullPage: true })
  assert.deepEqual(problems, [], 'no console errors')
  assert.deepEqual(fetched, [], 'nothing fetched')
  assert.ok(statSync(screenshot).size > 10_000, 'a screenshot was written')
  t.diagnostic(`screenshot: ${screenshot}`)
  // The temp directory goes with the test; this keeps a copy (how docs/report.png is made).
  const keep = process.env.NOTIFY_SENDER_TEST_SCREENSHOTS
  if (keep !== undefined) copyFileSync(screenshot, join(keep, basename(screenshot)))
  return rendered
}

function assertCharts (r: Rendered, expected: string[]): void {
  assert.deepEqual(r.charts.map((c) => c.id).sort(), [...expected].sort(), 'the expected charts')
  for (const c of r.charts) {
    assert.ok(c.canvas, `${c.id}: drawn on a canvas`)
    assert.ok(c.points > 0, `${c.id}: has data points`)
  }
}

test('load --html: a real run renders every chart in headless Chromium, nothing fetched, no console errors', T, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-html-load-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const server = await startH2Server({ tls: false, status: (i) => i % 9 === 4 ? 503 : 200, delayMs: 2 })
  let r
  try {
    r = await runCli(['load', server.url, '2', '--http', '2', '--rate', '150', '--duration', '3s', '-c', '20', '--html', 'report.html', '--max-p99', '5s', '--quiet'], { cwd: dir, timeoutMs: 60_000 })
  } finally {
    await bounded(server.close(), 'server close')
  }
  assert.equal(r.code, EXIT.ok, r.stderr)
  const file = join(dir, 'report.html')
  const html = readFileSync(file, 'utf8')
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'no external scripts or styles')
  const shown = await render(t, file, join(dir, 'load-report.png'))
  assertCharts(shown, ['rate', 'latency', 'status', 'inflight', 'distribution'])
  assert.match(shown.text, /PASSED/)
  assert.match(shown.text, /max-p99/)
  assert.match(shown.text, /503/)
})

test('send --html: outcomes over time and the per-push-service table with 429s and time throttled', T, async (t) => {
  // A burst of 429s (a pattern: the origin is paused, not only the messages delayed).
  const server = await pushServer(t, (req) => req.attempt === 1 && req.index >= 20 && req.index < 40
    ? { status: 429, headers: { 'retry-after': '1' } }
    : req.index % 13 === 5 ? { status: 410 } : CREATED)
  const { report, dir } = await sendTo(server, 50, { concurrency: 10 })
  const file = join(dir, 'report.html')
  writeHtmlReport(file, report)
  const shown = await render(t, file, join(dir, 'send-report.png'))
  assertCharts(shown, ['rate', 'latency', 'status', 'inflight', 'outcomes', 'distribution'])
  const origin = `https://${server.host}`
  const row = shown.text.split('\n').find((l) => l.startsWith(origin))
  assert.ok(row !== undefined, `a row for ${origin} in:\n${shown.text}`)
  const cells = row.split('\t').map((c) => c.trim())
  assert.equal(Number(cells[2]), report.outcomes?.sent, `sent in ${row}`)
  assert.equal(Number(cells[3]), report.outcomes?.expired, `expired in ${row}`)
  assert.equal(Number(cells[5]), report.status.codes['429'], `429s in ${row}`)
  assert.ok(Number(cells[6]) > 0, `time throttled in ${row}`)
})
