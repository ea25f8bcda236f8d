// Option validation, driven by the options table: every option is fed a bad value through the programmatic
// path (normalizeOptions) and through the real commander program (buildProgram, no process), and both must
// refuse it with NS_ERR_INVALID_OPTION naming the flag. A good value must parse identically on both paths.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommanderError } from 'commander'
import { buildProgram } from '../../src/cli/program.js'
import type { ParsedCommand } from '../../src/cli/program.js'
import { loadConfigFile } from '../../src/config/file.js'
import { normalizeOptions } from '../../src/config/normalize.js'
import { flagName, OPTIONS, optionsFor } from '../../src/config/options.js'
import type { CommandName, OptionKey, OptionSpec } from '../../src/config/options.js'
import { parseWorkers, splitLoadTargets } from '../../src/config/resolve.js'
import { resolveLoad } from '../../src/run/load.js'
import type { RawOptions } from '../../src/config/resolve.js'

/** A value option's bad and good value, or 'flag' for a boolean switch. */
type Case = { bad: string, good: string } | 'flag'

// One entry per option: a Record over OptionKey, so adding an option to the table without a case here
// fails the type-check (and the runtime check below, should someone cast around it).
const CASES: Record<OptionKey, Case> = {
  http: { bad: 'abc', good: '2' },
  concurrency: { bad: '0', good: '8' },
  connections: { bad: '-1', good: '2' },
  streams: { bad: '1.5', good: '50' },
  pipelining: { bad: 'abc', good: '1' },
  rate: { bad: 'fast', good: '0.5' },
  rampUp: { bad: '5 parsecs', good: '2s' },
  stages: { bad: '10s', good: '10s:100,5s:0' },
  duration: { bad: '0', good: '1s' },
  requests: { bad: '0', good: '20' },
  timeout: { bad: '0s', good: '250ms' },
  connectTimeout: { bad: 'soon', good: '1s' },
  connectRate: { bad: '0', good: '10' },
  ca: { bad: '', good: 'ca.pem' },
  insecure: 'flag',
  forceDns: 'flag',
  resolve: { bad: 'push.test:443:not-an-ip', good: 'push.test:443:127.0.0.1' },
  dnsServer: { bad: 'dns.example', good: '127.0.0.1:5353' },
  json: 'flag',
  report: { bad: ' ', good: 'report.json' },
  timeline: { bad: ' ', good: 'timeline.csv' },
  hgrm: { bad: '', good: 'latency' },
  html: { bad: '', good: 'report.html' },
  metricsPort: { bad: '-1', good: '9464' },
  metricsHost: { bad: '', good: '0.0.0.0' },
  metricsFile: { bad: '', good: 'notify_sender.prom' },
  maxErrorRate: { bad: '1.5', good: '1%' },
  maxP99: { bad: '0ms', good: '250ms' },
  grace: { bad: 'soon', good: '0' },
  quiet: 'flag',
  logLevel: { bad: 'loud', good: 'debug' },
  config: { bad: '', good: 'x.json' },
  method: { bad: 'FETCH', good: 'post' },
  body: { bad: '', good: 'x' },
  header: { bad: 'bad header: x', good: 'X-Test: 1' },
  urlsFile: { bad: '', good: 'urls.txt' },
  subscriptions: { bad: '', good: 'subs.ndjson' },
  source: { bad: 'mysql://db.example/app', good: 'postgres://app@127.0.0.1:5432/app' },
  query: { bad: ' ', good: 'select endpoint, p256dh, auth from subscriptions order by id' },
  payload: { bad: '', good: 'hi' },
  vapidKeys: { bad: '', good: 'vapid.json' },
  subject: { bad: '', good: 'mailto:ops@example.com' },
  ttl: { bad: '1.5s', good: '60' },
  urgency: { bad: 'urgent', good: 'high' },
  topic: { bad: 'has space', good: 'news_1' },
  out: { bad: '', good: 'out' },
  retries: { bad: '-1', good: '0' },
  maxRetryAfter: { bad: 'later', good: '30s' },
  allowHost: { bad: 'a/b', good: '*.example.com' },
  allowPrivate: 'flag',
  dryRun: 'flag',
  state: { bad: '', good: 'state.json' },
  shard: { bad: '3/3', good: '1/3' },
  print: 'flag',
  schema: 'flag',
  for: { bad: 'keys', good: 'load' },
  resendIndeterminate: 'flag',
  resume: 'flag',
  retryFailed: 'flag',
  port: { bad: '-1', good: '0' },
  host: { bad: '', good: '127.0.0.1' },
  subscriptionCount: { bad: '0', good: '10' },
  subscriptionsOut: { bad: '', good: 'subs.ndjson' },
  stateDir: { bad: '', good: 'state' },
  fault410: { bad: '2', good: '0.1' },
  fault429: { bad: '101%', good: '5%' },
  fault500: { bad: 'x', good: '0' },
  faultSlow: { bad: '1.01', good: '1' },
  faultReset: { bad: '-0.1', good: '0.5' },
  faultGoaway: { bad: 'abc', good: '0.01' },
  slowMs: { bad: 'x', good: '500ms' },
  retryAfter: { bad: '1.5', good: '2' }
}

const URL_ARG = 'http://127.0.0.1:9/'
// Positionals each command needs to reach its action (load takes its URLs there).
const POSITIONALS: Record<CommandName, string[]> = { load: [URL_ARG], send: [], keys: [], simulate: [], demo: [], config: [], merge: ['report.json'] }
const ENTRIES = Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec]>

/** Parses argv (after the program name) with the real program; resolves with what the action received. */
async function parseCli (argv: readonly string[]): Promise<ParsedCommand> {
  let parsed: ParsedCommand | undefined
  const output: string[] = []
  const program = buildProgram(async (p) => { parsed = p }, { out: (s) => output.push(s), err: (s) => output.push(s) })
  await program.parseAsync([...argv], { from: 'user' })
  if (parsed === undefined) throw new Error(`no action ran for ${argv.join(' ')}: ${output.join('')}`)
  return parsed
}

/** An error matcher: the given code, and a message naming every string in `names`. */
function named (code: string, ...names: string[]): (err: unknown) => true {
  return (err) => {
    assert.equal((err as { code?: unknown }).code, code, `wrong code for: ${String(err)}`)
    for (const n of names) assert.ok((err as Error).message.includes(n), `message does not name ${n}: ${(err as Error).message}`)
    return true
  }
}

let dir = ''
before(async () => { dir = await mkdtemp(join(tmpdir(), 'ns-options-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

test('every option in the table has a validation case, and no case is stale', () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(OPTIONS).sort())
  for (const [key, spec] of ENTRIES) {
    assert.equal(CASES[key] === 'flag', spec.parse === undefined, `${key}: value options need bad/good values, switches need 'flag'`)
  }
})

test('long flags are unique within each command', () => {
  for (const command of Object.keys(POSITIONALS) as CommandName[]) {
    const flags = optionsFor(command).map(([k]) => flagName(k))
    assert.deepEqual(flags, [...new Set(flags)], command)
  }
})

for (const [key, spec] of ENTRIES) {
  const c = CASES[key]
  const flag = flagName(key)
  test(`${flag} (${key}) is validated on every command that takes it`, async (t) => {
    for (const command of spec.commands) {
      await t.test(command, async () => {
        const cli = (...extra: string[]): Promise<ParsedCommand> => parseCli([command, ...POSITIONALS[command], ...extra])
        if (c === 'flag') {
          assert.throws(() => normalizeOptions({ [key]: 'yes' }, command), named('NS_ERR_INVALID_OPTION', flag))
          assert.deepEqual(normalizeOptions({ [key]: true }, command), { [key]: true })
          assert.equal((await cli(flag)).options[key], true)
          // A switch takes no value on the command line: commander refuses one (a usage error, exit 2).
          await assert.rejects(cli(`${flag}=yes`), CommanderError)
          return
        }
        assert.throws(() => normalizeOptions({ [key]: c.bad }, command), named('NS_ERR_INVALID_OPTION', flag))
        await assert.rejects(cli(`${flag}=${c.bad}`), named('NS_ERR_INVALID_OPTION', flag))
        const programmatic = normalizeOptions({ [key]: c.good }, command)
        const parsed = await cli(`${flag}=${c.good}`)
        assert.notEqual(parsed.options[key], undefined)
        assert.deepEqual(parsed.options[key], programmatic[key], 'both paths parse the good value alike')
      })
    }
  })
}

test('--http=3 is refused as unsupported (not invalid), with an explanation', async () => {
  const check = named('NS_ERR_UNSUPPORTED_PROTOCOL', '--http', 'HTTP/3')
  for (const command of OPTIONS.http.commands) {
    assert.throws(() => normalizeOptions({ http: '3' }, command), check)
    assert.throws(() => normalizeOptions({ http: 3 }, command), check)
    await assert.rejects(parseCli([command, ...POSITIONALS[command], '--http=3']), check)
    await assert.rejects(parseCli([command, ...POSITIONALS[command], '--http', 'h3']), check)
  }
})

// Conflicts are only visible once all options are known, so they are checked when resolving.
const CONFLICTS: Array<{ name: string, argv: string[], raw: Record<string, unknown>, names: string[] }> = [
  { name: '--rate with --stages', argv: ['--rate', '100', '--stages', '1s:10'], raw: { rate: 100, stages: '1s:10' }, names: ['--rate', '--stages'] },
  { name: '--ramp-up with --stages', argv: ['--ramp-up', '1s', '--stages', '1s:10'], raw: { rampUp: '1s', stages: '1s:10' }, names: ['--ramp-up', '--stages'] },
  { name: '--pipelining 4 --http=2', argv: ['--pipelining', '4', '--http=2'], raw: { pipelining: 4, http: 2 }, names: ['--pipelining', '--http=2'] },
  { name: '--body with --method GET', argv: ['--body', 'x', '--method', 'GET'], raw: { body: 'x', method: 'get' }, names: ['--body', '--method GET'] }
]

for (const c of CONFLICTS) {
  test(`conflict: ${c.name}`, async () => {
    const check = named('NS_ERR_INVALID_OPTION', ...c.names)
    assert.throws(() => resolveLoad(normalizeOptions(c.raw, 'load'), [URL_ARG], 1), check)
    const parsed = await parseCli(['load', URL_ARG, '1', ...c.argv])
    const { urls, workers } = splitLoadTargets(parsed.args)
    assert.throws(() => resolveLoad(parsed.options, urls, workers), check)
  })
}

test('unknown option keys are refused, with a suggestion for a near miss', () => {
  assert.throws(() => normalizeOptions({ bogus: 1 }, 'load'), named('NS_ERR_INVALID_OPTION', '"bogus"'))
  assert.throws(() => normalizeOptions({ payload: 'x' }, 'load'), named('NS_ERR_INVALID_OPTION', '"payload"', 'load'))
  assert.throws(() => normalizeOptions({ maxerrorrate: 0.1 }, 'load'), named('NS_ERR_INVALID_OPTION', '"maxerrorrate"', '"maxErrorRate"'))
})

async function configFile (name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, JSON.stringify(content))
  return path
}

test('config file: unknown keys, secrets, command-line-only keys and bad values are refused, naming file and key', async () => {
  const unknown = await configFile('unknown.json', { urls: [URL_ARG], bogus: 1 })
  assert.throws(() => loadConfigFile(unknown, 'load'), named('NS_ERR_CONFIG', unknown, '"bogus"'))

  const secret = await configFile('secret.json', { privateKey: 'c2VjcmV0LXNob3VsZC1uZXZlci1iZS1lY2hvZWQ' })
  assert.throws(() => loadConfigFile(secret, 'send'), (err: unknown) => {
    named('NS_ERR_CONFIG', secret, '"privateKey"')(err)
    assert.ok(!(err as Error).message.includes('c2VjcmV0'), 'the error echoes the secret')
    return true
  })

  const cliOnly = await configFile('cli-only.json', { json: true })
  assert.throws(() => loadConfigFile(cliOnly, 'load'), named('NS_ERR_CONFIG', cliOnly, '"json"'))

  const bad = await configFile('bad.json', { maxErrorRate: 'abc' })
  assert.throws(() => loadConfigFile(bad, 'load'), named('NS_ERR_CONFIG', bad, '"maxErrorRate"', '--max-error-rate'))

  const good = await configFile('good.json', { urls: [URL_ARG], requests: 10, maxErrorRate: '1%', workers: 2 })
  const loaded = loadConfigFile(good, 'load')
  assert.deepEqual(loaded?.options, { requests: 10, maxErrorRate: 0.01 } satisfies RawOptions)
  assert.equal(loaded?.workers, 2)
  assert.deepEqual(loaded?.urls, [URL_ARG])
})

test('workers positional: 0 and abc are refused', async () => {
  for (const bad of ['0', 'abc', '-1', '1.5']) {
    assert.throws(() => parseWorkers(bad), named('NS_ERR_INVALID_OPTION', 'workers'))
    // send: the only positional is the worker count.
    const parsed = await parseCli(['send', bad])
    assert.throws(() => parseWorkers(parsed.args[0]), named('NS_ERR_INVALID_OPTION', 'workers'))
  }
  // load: a trailing number is the worker count; anything else is a URL and must be one.
  const zero = await parseCli(['load', URL_ARG, '0'])
  const z = splitLoadTargets(zero.args)
  assert.throws(() => resolveLoad(zero.options, z.urls, z.workers), named('NS_ERR_INVALID_OPTION', 'workers'))
  const abc = await parseCli(['load', URL_ARG, 'abc'])
  const a = splitLoadTargets(abc.args)
  assert.throws(() => resolveLoad(abc.options, a.urls, a.workers), named('NS_ERR_INVALID_OPTION', 'URL', '"abc"'))
})

test('load positionals: URLs then an optional worker count, which may stand alone', () => {
  assert.deepEqual(splitLoadTargets([URL_ARG, '4']), { urls: [URL_ARG], workers: '4' })
  assert.deepEqual(splitLoadTargets([URL_ARG]), { urls: [URL_ARG], workers: undefined })
  // `notify-sender load 12` with the URLs in notify-sender.config.json.
  assert.deepEqual(splitLoadTargets(['12']), { urls: [], workers: '12' })
  assert.throws(() => resolveLoad({}, [], 1), named('NS_ERR_INVALID_OPTION', 'URL'))
})
