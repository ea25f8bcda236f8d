// #11 "Units and names": -c is the total in flight across the workers (as autocannon, h2load and oha), not
// per worker; each worker takes its share. Measured by a real HTTP/1.1 server on loopback that counts the
// requests it holds at once (each is held long enough for every slot to fill).
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { startH1Server } from '../helpers/servers.js'
import type { H1ServerStats, TestServer } from '../helpers/servers.js'

const T = { timeout: 60_000 }

async function heldServer (t: TestContext): Promise<TestServer<H1ServerStats>> {
  // 300 ms per answer: the closed model refills a slot as soon as it frees, so the peak is the cap.
  const server = await startH1Server({ status: 200, delayMs: 300 })
  t.after(async () => { await bounded(server.close(), 'server close') })
  return server
}

for (const [workers, c] of [[2, 4], [3, 5]] as const) {
  test(`#11 load -c ${c} with ${workers} workers keeps at most ${c} requests in flight in total (was ${c} per worker)`, T, async (t) => {
    const server = await heldServer(t)
    const r = await runCli(['load', server.url, String(workers), '-c', String(c), '--ramp-up', '0', '--requests', String(c * 6), '--json'])
    assert.equal(r.code, EXIT.ok, r.stderr)
    const report = JSON.parse(r.stdout) as Report
    assert.equal(report.settings.concurrency, c)
    assert.equal(report.requests.completed, c * 6)
    assert.ok(server.stats.maxConcurrent <= c, `the server held ${server.stats.maxConcurrent} requests at once with -c ${c}`)
    // Each worker used its share: nothing makes a busy machine exceed a cap, but a share of 0 would show here.
    for (const w of report.workers) assert.ok(w.completed > 0, `worker ${w.index} sent nothing`)
  })
}

test('#11 -c fewer than the workers is a usage error that says -c is the total', T, async () => {
  const r = await runCli(['load', 'http://127.0.0.1:9/', '4', '-c', '2'])
  assert.equal(r.code, EXIT.usage, r.stderr)
  assert.match(r.stderr, /--concurrency is the total in flight across the workers: 2 is fewer than the 4 workers/)
})

test('#11 without -c each worker keeps 100 in flight (the total is 100 per worker)', T, async (t) => {
  const server = await heldServer(t)
  const r = await runCli(['load', server.url, '2', '--requests', '4', '--json', '--quiet'])
  assert.equal(r.code, EXIT.ok, r.stderr)
  assert.equal((JSON.parse(r.stdout) as Report).settings.concurrency, 200)
})
