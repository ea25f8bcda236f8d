// #11 "Units and names", the naming half: unknown commands, config-file typos and the default command
// without its config file. Real processes (the bin), each in a temp directory of its own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import { runCli } from '../helpers/cli.js'
import type { CliResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/files.js'

const T = { timeout: 60_000 }

function expectUsage (r: CliResult, what: string): void {
  assert.equal(r.signal, null, what)
  assert.equal(r.code, EXIT.usage, `${what}: exit ${String(r.code)}\nstderr: ${r.stderr}`)
  assert.equal(r.stdout, '', `${what}: stdout`)
}

test('#11 an unknown command is an error that suggests the closest command, not a fall-through to send', T, async () => {
  const cwd = tempDir()
  const cases: Array<[string[], RegExp]> = [
    [['lod', 'http://127.0.0.1:9/', '1'], /unknown command "lod" \(did you mean load\?\)/],
    [['sedn', '2'], /unknown command "sedn" \(did you mean send\?\)/],
    [['merg', 'a.json'], /unknown command "merg" \(did you mean merge\?\)/],
    // After an option, the word lands in send's worker-count place: still an unknown command.
    [['--http=2', 'lod'], /unknown command "lod" \(did you mean load\?\)/],
    [['frobnicate'], /unknown command "frobnicate"; the commands are send, load, keys, simulate, demo, merge, config/]
  ]
  for (const [args, message] of cases) {
    const r = await runCli(args, { cwd })
    expectUsage(r, args.join(' '))
    assert.match(r.stderr, message, args.join(' '))
    assert.doesNotMatch(r.stderr, /workers must be|too many arguments/, args.join(' '))
  }
})

test('#11 a config-file key one typo away names the key it meant (edit distance)', T, async () => {
  const cwd = tempDir()
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ maxErorRate: '1%' }, /unknown config key "maxErorRate" for send \(did you mean "maxErrorRate"\?\)/],
    [{ vapidKey: 'vapid.json' }, /"vapidKey" .*did you mean "vapidKeys"\?/],
    [{ concurency: 10 }, /did you mean "concurrency"\?/],
    [{ worker: 2 }, /did you mean "workers"\?/],
    [{ 'max-p99': '50ms' }, /did you mean "maxP99"\?/],
    [{ somethingElse: 1 }, /unknown config key "somethingElse" for send \[/]
  ]
  for (const [config, message] of cases) {
    writeFileSync(join(cwd, 'notify-sender.config.json'), JSON.stringify(config))
    const r = await runCli(['send', '1'], { cwd })
    expectUsage(r, JSON.stringify(config))
    assert.match(r.stderr, message, JSON.stringify(config))
  }
})

test('#11 the default command without notify-sender.config.json says so first', T, async () => {
  const cwd = tempDir()
  const r = await runCli(['1', '-s', join(cwd, 'none.ndjson')], { cwd })
  expectUsage(r, 'default command without a config file')
  const lines = r.stderr.trim().split('\n')
  assert.match(lines[0] ?? '', /^notify-sender: no notify-sender\.config\.json in .+: send runs with the command-line options only/)
  assert.ok(lines.length >= 2, `the error that follows is still printed: ${r.stderr}`)

  // With the file there, or with `send` typed out, there is nothing to say.
  writeFileSync(join(cwd, 'notify-sender.config.json'), JSON.stringify({ payload: 'hi' }))
  const withFile = await runCli(['1', '-s', join(cwd, 'none.ndjson')], { cwd })
  assert.doesNotMatch(withFile.stderr, /no notify-sender\.config\.json/)
  const explicit = await runCli(['send', '1', '-s', join(cwd, 'none.ndjson')], { cwd: tempDir() })
  assert.doesNotMatch(explicit.stderr, /no notify-sender\.config\.json/)
})

test('#11 a bare number in a duration option is refused with a clear error (--max-p99 50 was 50 seconds)', T, async () => {
  const cwd = tempDir()
  const url = 'http://127.0.0.1:9/'
  for (const args of [['--max-p99', '50'], ['--timeout', '5'], ['--duration', '2'], ['--grace', '1']]) {
    const r = await runCli(['load', url, '1', ...args], { cwd })
    expectUsage(r, args.join(' '))
    assert.match(r.stderr, new RegExp(`${args[0] as string} needs a unit: ${args[1] as string}ms or ${args[1] as string}s\\?`), args.join(' '))
  }
  // The same in the config file: a JSON number is a bare number.
  writeFileSync(join(cwd, 'notify-sender.config.json'), JSON.stringify({ urls: [url], maxP99: 250 }))
  const fromFile = await runCli(['load', '1'], { cwd })
  expectUsage(fromFile, 'maxP99: 250 in the config file')
  assert.match(fromFile.stderr, /"maxP99".*needs a unit: 250ms or 250s\?/)
})
