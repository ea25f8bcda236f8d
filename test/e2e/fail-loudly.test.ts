// #11 "Failing loudly": a run in which nothing succeeded exits 1 with one hint per likely cause, send has
// a default --max-error-rate, and a failed run says why on stderr even with --json off a terminal.
// Real processes (the bin) against real loopback servers.
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import type { Report } from '../../src/report/report.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import type { CliResult } from '../helpers/cli.js'
import { pushServer, CREATED } from '../helpers/fault-send.js'
import { tempDir } from '../helpers/files.js'
import { subscriptionLine, writeSubscriptions, writeVapidKeyFile } from '../helpers/send-run.js'
import { startH1Server } from '../helpers/servers.js'
import type { H1ServerOptions, H1ServerStats, TestServer } from '../helpers/servers.js'

const T = { timeout: 60_000 }

function expectExit (r: CliResult, code: number, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${String(r.signal)}\n${r.stderr}`)
  assert.equal(r.code, code, `${what}: exit ${String(r.code)}\nstdout: ${r.stdout.slice(0, 1000)}\nstderr: ${r.stderr.slice(0, 3000)}`)
}

function report (r: CliResult): Report {
  return JSON.parse(r.stdout) as Report
}

async function withH1 (t: TestContext, options: H1ServerOptions): Promise<TestServer<H1ServerStats>> {
  const server = await startH1Server(options)
  t.after(async () => { await bounded(server.close(), 'server close') })
  return server
}

/** `send` arguments for a push server at `host` (a file of `count` subscriptions), one worker, --json. */
function sendArgs (dir: string, subscriptions: string, host: string, extra: string[] = []): string[] {
  return ['send', '1', '-s', subscriptions, '-p', 'hi', '--vapid-keys', writeVapidKeyFile(dir), '--allow-host', host,
    '--allow-private', '--retries', '0', '--json', '--log-level', 'silent', ...extra]
}

test('#11 load where every connection is refused exits 1 (was 0 "passed"), and says "is the server up?" on stderr with --json off a terminal', T, async () => {
  const gone = await startH1Server()
  const url = gone.url
  await gone.close()
  const r = await runCli(['load', url, '1', '--requests', '5', '--json'])
  expectExit(r, EXIT.failed, 'refused load')
  const rep = report(r)
  assert.equal(rep.passed, false)
  assert.equal(rep.requests.errors, 5)
  assert.ok(rep.problems.some((p) => p.startsWith('nothing succeeded')), rep.problems.join('; '))
  assert.deepEqual(rep.hints, ['connection refused: is the server up, and listening on that host and port?'])
  assert.match(r.stderr, /load FAILED \(exit 1\)/)
  assert.match(r.stderr, /problem: nothing succeeded/)
  assert.match(r.stderr, /hint: connection refused: is the server up/)
})

test('#11 --max-error-rate 100% accepts a run in which nothing succeeded (the explicit opt-out)', T, async () => {
  const gone = await startH1Server()
  const url = gone.url
  await gone.close()
  const r = await runCli(['load', url, '1', '--requests', '3', '--json', '--max-error-rate', '100%'])
  expectExit(r, EXIT.ok, 'refused load with --max-error-rate 100%')
  assert.deepEqual(report(r).problems, [])
})

test('#11 load where every response is 404 exits 1: nothing succeeded', T, async (t) => {
  const server = await withH1(t, { status: 404 })
  const r = await runCli(['load', server.url, '1', '--requests', '10', '--json', '--quiet'])
  expectExit(r, EXIT.failed, 'all-404 load')
  assert.equal(report(r).status['4xx'], 10)
  assert.match(r.stderr, /problem: nothing succeeded: none of the 10 requests got a response below 400/)
})

test('#11 send to a self-signed TLS push service without --ca exits 1 with a --ca hint', T, async (t) => {
  const server = await pushServer(t, () => CREATED)
  const dir = tempDir()
  const subs = writeSubscriptions(dir, server.origin, 4)
  const r = await runCli(sendArgs(dir, subs, server.host), { cwd: dir })
  expectExit(r, EXIT.failed, 'send without --ca')
  const rep = report(r)
  assert.equal(rep.outcomes?.sent, 0)
  assert.equal(rep.outcomes?.failed, 4)
  assert.ok((rep.errors.tls?.count ?? 0) > 0, JSON.stringify(rep.errors))
  assert.equal(server.requests, 0)
  assert.match(r.stderr, /hint: TLS failed: the server's certificate is not trusted; .* --ca <file\.pem>/)

  // The same send with the CA: every message goes out, no hint.
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  const ok = await runCli(sendArgs(dir, subs, server.host, ['--ca', ca]), { cwd: dir })
  expectExit(ok, EXIT.ok, 'send with --ca')
  assert.equal(report(ok).outcomes?.sent, 4)
  assert.equal(report(ok).hints, undefined)
})

test('#11 send of a JSON array (not NDJSON) exits 1: every line invalid, "this looks like a JSON array"', T, async (t) => {
  const server = await pushServer(t, () => CREATED)
  const dir = tempDir()
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  const subs = [0, 1, 2].map((i) => JSON.parse(subscriptionLine(`${server.origin}/p/${i}`, i)) as unknown)
  for (const [name, text] of [['pretty.json', JSON.stringify(subs, null, 2)], ['one-line.json', JSON.stringify(subs)]] as const) {
    const file = join(dir, name)
    writeFileSync(file, text + '\n')
    const r = await runCli(sendArgs(dir, file, server.host, ['--ca', ca]), { cwd: dir })
    expectExit(r, EXIT.failed, `send ${name}`)
    const rep = report(r)
    assert.equal(rep.outcomes?.sent, 0, name)
    assert.equal(rep.outcomes?.invalid, rep.outcomes?.read, name)
    assert.match(r.stderr, /problem: nothing succeeded: no message was sent/, name)
    assert.match(r.stderr, /hint: this looks like a JSON array, not NDJSON/, name)
  }
  assert.equal(server.requests, 0)
})

test('#11 send has a default --max-error-rate of 5%: 25% rejected messages fail the run; a higher limit passes it', T, async (t) => {
  // 400 is not retried: each rejected path is one failed message.
  const server = await pushServer(t, (req) => Number(req.path.split('/').at(-1)) % 4 === 0 ? { status: 400 } : CREATED)
  const dir = tempDir()
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  const subs = writeSubscriptions(dir, server.origin, 20)
  const r = await runCli(sendArgs(dir, subs, server.host, ['--ca', ca]), { cwd: dir })
  expectExit(r, EXIT.failed, 'send over the default error rate')
  const rep = report(r)
  assert.equal(rep.outcomes?.failed, 5)
  assert.equal(rep.outcomes?.sent, 15)
  assert.deepEqual(rep.thresholds, [{ name: 'max-error-rate', limit: 0.05, actual: 0.25, passed: false }])
  // --json off a terminal: the breach is explained on stderr, with units.
  assert.match(r.stderr, /threshold max-error-rate 5%: BREACHED \(actual 25%\)/)

  const relaxed = await runCli(sendArgs(dir, subs, server.host, ['--ca', ca, '--max-error-rate', '30%']), { cwd: dir })
  expectExit(relaxed, EXIT.ok, 'send under --max-error-rate 30%')
  assert.deepEqual(report(relaxed).thresholds.map((th) => [th.limit, th.passed]), [[0.3, true]])
  assert.equal(relaxed.stderr, '')
})

test('#11 a threshold breach with --json off a terminal is explained on stderr (it exited 1 silently), with units', T, async (t) => {
  const failing = await withH1(t, { status: 500 })
  const r = await runCli(['load', failing.url, '1', '--requests', '10', '--json', '--max-error-rate', '0.1'])
  expectExit(r, EXIT.failed, 'error-rate breach')
  assert.match(r.stderr, /threshold max-error-rate 10%: BREACHED \(actual 100%\)/)

  const slow = await withH1(t, { status: 200, delayMs: 30 })
  const p99 = await runCli(['load', slow.url, '1', '--requests', '5', '--json', '--quiet', '--max-p99', '2ms'])
  expectExit(p99, EXIT.failed, 'p99 breach')
  assert.match(p99.stderr, /threshold max-p99 2\.00 ms: BREACHED \(actual \d+(\.\d+)? ms\)/)
  assert.ok(!p99.stderr.includes('"histograms"'), 'no report on stderr')
})
