// The CLI contract, end to end: real processes (`node bin/notify-sender.js`) against real loopback servers.
// Exit codes: 0 ok, 1 failed or threshold breached, 2 usage/config error, 128+signal interrupted.
// stdout carries results only (--json report, keys); progress, tables and logs go to stderr.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, EXIT_CODE_DOCS } from '../../src/report/exit-codes.js'
import { ORDER } from '../../src/cli/program.js'
import { optionsFor } from '../../src/config/options.js'
import type { Report } from '../../src/report/report.js'
import { bounded, waitUntil } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import type { CliResult, RunCliOptions } from '../helpers/cli.js'
import { startH1Server } from '../helpers/servers.js'
import { writeVapidKeys } from '../helpers/send-fixtures.js'
import { subscriptionLine } from '../helpers/send-run.js'
import type { H1ServerOptions, H1ServerStats, TestServer } from '../helpers/servers.js'

const T = { timeout: 60_000 }
// Exit codes seen in this file, by code: the last test checks every documented code was produced.
const observed = new Map<number, string>()
let dir = ''

before(async () => { dir = await mkdtemp(join(tmpdir(), 'ns-cli-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

/** Runs the CLI (cwd: a temp dir with no config file unless the test writes one). */
async function cli (args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return await runCli(args, { cwd: dir, ...opts })
}

/** Asserts the exit code (and that no signal killed the process) and records it for the exit-code test. */
function expectExit (r: CliResult, code: number, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${String(r.signal)}\n${r.stderr}`)
  assert.equal(r.code, code, `${what}: exit ${String(r.code)}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 4000)}`)
  observed.set(code, what)
}

/** stdout must be exactly one JSON report document. */
function parseReport (stdout: string): Report {
  assert.ok(stdout.trimStart().startsWith('{') && stdout.endsWith('}\n'), `stdout is not one JSON document: ${stdout.slice(0, 200)}`)
  const report = JSON.parse(stdout) as Report
  assert.equal(report.tool, 'notify-sender')
  return report
}

/** No report on stderr: only pino lines (which carry "level") or human text. */
function assertNoReportOn (stderr: string): void {
  assert.ok(!stderr.includes('"histograms"'), `a JSON report leaked to stderr: ${stderr.slice(0, 500)}`)
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue
    const obj = JSON.parse(line) as Record<string, unknown>
    assert.equal(typeof obj.level, 'number', `unexpected JSON on stderr: ${line}`)
  }
}

async function withServer (options: H1ServerOptions, fn: (s: TestServer<H1ServerStats>) => Promise<void>): Promise<void> {
  const server = await startH1Server(options)
  try {
    await fn(server)
  } finally {
    await bounded(server.close(), 'server close')
  }
}

test('load --json: exit 0, stdout is exactly one report, nothing of it on stderr', T, async () => {
  await withServer({ status: 200 }, async (server) => {
    const r = await cli(['load', server.url, '1', '--requests', '20', '--json'])
    expectExit(r, EXIT.ok, 'load --json')
    const report = parseReport(r.stdout)
    assert.equal(report.requests.completed, 20)
    assert.equal(report.requests.ok, 20)
    assert.equal(report.passed, true)
    assert.equal(report.exitCode, 0)
    assert.equal(server.stats.requests, 20)
    assertNoReportOn(r.stderr)
  })
})

test('load without --json: stdout stays empty, the summary table goes to stderr', T, async () => {
  await withServer({ status: 200 }, async (server) => {
    const r = await cli(['load', server.url, '1', '--requests', '20'])
    expectExit(r, EXIT.ok, 'load with a summary')
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /notify-sender load: 1 worker\(s\)/)
    assert.match(r.stderr, /passed \(exit 0\)/)
  })
})

test('--max-error-rate breached by 500s: exit 1, report says why', T, async () => {
  await withServer({ status: 500 }, async (server) => {
    const r = await cli(['load', server.url, '1', '--requests', '20', '--json', '--max-error-rate', '0.1'])
    expectExit(r, EXIT.failed, '--max-error-rate breached')
    const report = parseReport(r.stdout)
    assert.equal(report.passed, false)
    assert.equal(report.exitCode, 1)
    assert.equal(report.thresholds[0]?.name, 'max-error-rate')
    assert.equal(report.thresholds[0]?.passed, false)
    assert.equal(report.status['5xx'], 20)
  })
})

test('--max-p99 1ms against a 50 ms server: exit 1', T, async () => {
  await withServer({ status: 200, delayMs: 50 }, async (server) => {
    const r = await cli(['load', server.url, '1', '--requests', '20', '--json', '--max-p99', '1ms'])
    expectExit(r, EXIT.failed, '--max-p99 breached')
    const report = parseReport(r.stdout)
    assert.equal(report.thresholds[0]?.name, 'max-p99')
    assert.equal(report.thresholds[0]?.passed, false)
  })
})

test('load against a port nobody listens on finishes (it used to hang) and counts the errors', T, async () => {
  const gone = await startH1Server()
  const url = gone.url
  await gone.close()
  const r = await cli(['load', url, '1', '--requests', '5', '--json', '--max-error-rate', '0'], { timeoutMs: 20_000 })
  expectExit(r, EXIT.failed, 'connection refused + --max-error-rate 0')
  const report = parseReport(r.stdout)
  assert.equal(report.requests.completed, 5)
  assert.equal(report.requests.errors, 5)
})

test('usage errors: exit 2, the message names the option on stderr, nothing on stdout', T, async () => {
  const missingCa = join(dir, 'no-such-ca.pem')
  const url = 'http://127.0.0.1:9/'
  const cases: Array<{ args: string[], names: RegExp[] }> = [
    { args: ['load', url, '1', '--rate', 'abc'], names: [/--rate/, /"abc"/] },
    { args: ['load', url, '1', '--http=3'], names: [/--http/, /HTTP\/3 is not available/] },
    { args: ['load', url, '1', '--bogus'], names: [/--bogus/] },
    { args: ['load'], names: [/URL/] },
    { args: ['load', url, '1', '--ca', missingCa], names: [/--ca/, /no-such-ca\.pem/] },
    { args: ['load', url, '1', '--pipelining', '4', '--http=2'], names: [/--pipelining/] },
    { args: ['load', url, '0'], names: [/workers/] },
    { args: ['load', url, '1', '--report', join(dir, 'no-such-dir', 'r.json')], names: [/--report/, /no-such-dir/] },
    { args: ['send', '1', '--payload', 'x', '--subscriptions', join(dir, 'none.ndjson')], names: [/VAPID/] }
  ]
  for (const c of cases) {
    const r = await cli(c.args)
    expectExit(r, EXIT.usage, c.args.join(' '))
    assert.equal(r.stdout, '', `stdout of ${c.args.join(' ')}`)
    for (const n of c.names) assert.match(r.stderr, n, c.args.join(' '))
  }
})

test('--report <file> writes the JSON report with histograms', T, async () => {
  await withServer({ status: 200 }, async (server) => {
    const file = join(dir, 'report.json')
    const r = await cli(['load', server.url, '1', '--requests', '20', '--report', file, '--quiet'])
    expectExit(r, EXIT.ok, '--report')
    assert.equal(r.stdout, '')
    const report = JSON.parse(await readFile(file, 'utf8')) as Report
    assert.equal(report.requests.completed, 20)
    assert.equal(typeof report.histograms.corrected, 'string')
    assert.ok(report.histograms.corrected.length > 0)
    assert.equal(report.interrupted, null)
  })
})

for (const [signal, code] of [['SIGINT', EXIT.sigint], ['SIGTERM', EXIT.sigterm]] as const) {
  test(`${signal} stops a run cleanly: report written, interrupted, exit ${code}`, T, async () => {
    await withServer({ status: 200, delayMs: 5 }, async (server) => {
      const file = join(dir, `interrupted-${signal}.json`)
      const graceMs = 2000
      let signalledAt = 0
      const r = await cli(['load', server.url, '1', '--duration', '30s', '--report', file, '--grace', `${graceMs}ms`, '-c', '4'], {
        timeoutMs: 40_000,
        onSpawn: (child) => {
          // The signal handlers are installed before the first request, so seen requests mean they are in place.
          void waitUntil(() => server.stats.requests >= 5, 'first requests', 20_000).then(() => {
            signalledAt = performance.now()
            child.kill(signal)
          }, () => { child.kill('SIGKILL') })
        }
      })
      const stoppedMs = performance.now() - signalledAt
      assert.ok(signalledAt > 0, 'the run ended before it was signalled')
      expectExit(r, code, signal)
      assert.equal(r.stdout, '')
      assert.ok(existsSync(file), 'no report file')
      const report = JSON.parse(await readFile(file, 'utf8')) as Report
      assert.equal(report.interrupted, signal)
      assert.equal(report.exitCode, code)
      assert.ok(report.requests.completed >= 5)
      assert.match(r.stderr, new RegExp(`interrupted by ${signal}`))
      // Not a performance assertion: a bound that separates "stopped after the grace period" from "ran on".
      assert.ok(stoppedMs < graceMs + 10_000, `took ${Math.round(stoppedMs)} ms to stop after ${signal}`)
    })
  })
}

test('keys: a P-256 pair as JSON on stdout, exit 0; a bad --subject is exit 2', T, async () => {
  const r = await cli(['keys'])
  expectExit(r, EXIT.ok, 'keys')
  assert.equal(r.stderr, '')
  const keys = JSON.parse(r.stdout) as { publicKey: string, privateKey: string }
  for (const k of [keys.publicKey, keys.privateKey]) assert.match(k, /^[A-Za-z0-9_-]+$/)
  const pub = Buffer.from(keys.publicKey, 'base64url')
  assert.equal(pub.length, 65)
  assert.equal(pub[0], 0x04)
  assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32)

  const withSubject = await cli(['keys', '--subject', 'mailto:ops@example.com'])
  expectExit(withSubject, EXIT.ok, 'keys --subject')
  assert.equal((JSON.parse(withSubject.stdout) as { subject?: string }).subject, 'mailto:ops@example.com')

  const bad = await cli(['keys', '--subject', 'mailto: x'])
  expectExit(bad, EXIT.usage, 'keys --subject "mailto: x"')
  assert.equal(bad.stdout, '')
  assert.match(bad.stderr, /--subject/)
})

test('notify-sender.config.json: load runs from it, flags override it, a bad value is exit 2 naming file and key', T, async () => {
  await withServer({ status: 200 }, async (server) => {
    const cwd = await mkdtemp(join(dir, 'config-'))
    const file = join(cwd, 'notify-sender.config.json')
    await writeFile(file, JSON.stringify({ urls: [server.url], requests: 10, workers: 1 }))

    const fromFile = await cli(['load', '--json'], { cwd })
    expectExit(fromFile, EXIT.ok, 'load from the config file')
    assert.equal(parseReport(fromFile.stdout).requests.completed, 10)

    // A lone number is the worker count, the URLs still come from the file; the flag beats the file.
    const overridden = await cli(['load', '1', '--json', '--requests', '5'], { cwd })
    expectExit(overridden, EXIT.ok, 'flag over config file')
    const report = parseReport(overridden.stdout)
    assert.equal(report.requests.completed, 5)
    assert.equal(report.settings.workers, 1)

    await writeFile(file, JSON.stringify({ urls: [server.url], maxErrorRate: 'lots' }))
    const bad = await cli(['load', '1', '--requests', '5'], { cwd })
    expectExit(bad, EXIT.usage, 'bad value in the config file')
    assert.equal(bad.stdout, '')
    assert.ok(bad.stderr.includes(file), bad.stderr)
    assert.match(bad.stderr, /"maxErrorRate"/)
  })
})

test('--help of every command lists every option of the table', T, async () => {
  for (const command of ORDER) {
    const r = await cli([command, '--help'])
    expectExit(r, EXIT.ok, `${command} --help`)
    for (const [key, spec] of optionsFor(command)) {
      assert.ok(r.stdout.includes(spec.flags), `${command} --help lacks ${spec.flags} (${key})`)
    }
  }
})

test('exit 3: an outcome file the kernel refuses to write (a symlink to /dev/full: ENOSPC) stops the send', T, async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system; test/e2e/output-failure.test.ts covers a full filesystem')
    return
  }
  const work = await mkdtemp(join(dir, 'full-'))
  const out = join(work, 'out')
  await mkdir(out)
  await symlink('/dev/full', join(out, 'dry-run.ndjson'))
  const vapid = writeVapidKeys(work).path
  const subs = join(work, 'subs.ndjson')
  await writeFile(subs, subscriptionLine('http://127.0.0.1:9/p/1', 1) + '\n')
  const r = await cli(['send', '-s', subs, '-p', 'hi', '--vapid-keys', vapid, '--allow-host', '127.0.0.1:9', '--allow-private', '--dry-run', '--out', out])
  expectExit(r, EXIT.output, 'outcome file on a full device')
  assert.match(r.stderr, /cannot write .*dry-run\.ndjson: no space left on device \(ENOSPC\)/)
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

// Runs last: the tests above are the scenarios of the README's exit-code table.
test('every exit code documented in the README is one the CLI really returns', () => {
  for (const { code, meaning } of EXIT_CODE_DOCS) {
    assert.ok(observed.has(code), `documented exit code ${code} (${meaning}) was never produced`)
  }
})
