import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configKeys, configSchema, EXTRA_CONFIG_KEYS } from '../../src/config/schema.js'
import { loadConfigFile } from '../../src/config/file.js'
import { describeConfig } from '../../src/config/describe.js'
import { formatDuration } from '../../src/config/parse.js'
import { redactUrlPasswords } from '../../src/log.js'
import { OPTIONS } from '../../src/config/options.js'
import type { OptionKey, OptionSpec } from '../../src/config/options.js'
import { repoRoot } from '../helpers/paths.js'
import { tempDir } from '../helpers/files.js'

interface Schema { additionalProperties: boolean, properties: Record<string, { type?: unknown, anyOf?: unknown[], description?: string }> }

test('the schema lists exactly the keys the loader accepts, and refuses others', () => {
  const schema = configSchema() as unknown as Schema
  assert.equal(schema.additionalProperties, false)
  const props = Object.keys(schema.properties).sort()
  assert.deepEqual(props, [...Object.keys(EXTRA_CONFIG_KEYS), ...configKeys()].sort())
  // Command-line-only options are not keys.
  for (const k of ['json', 'quiet', 'config', 'print', 'schema', 'for']) assert.equal(props.includes(k), false, k)
  assert.deepEqual(schema.properties.insecure?.type, 'boolean')
  assert.ok(Array.isArray(schema.properties.header?.anyOf), 'repeatable options take an array')
  assert.deepEqual(schema.properties.rate?.type, ['string', 'number'])
  assert.match(String(schema.properties.maxP99?.description), /^--max-p99 <duration>: .* \[load, send\]$/)
  // The loader agrees key by key: a send key loads for send, a load-only key is named as such.
  const dir = tempDir()
  for (const key of configKeys()) {
    const spec: OptionSpec = OPTIONS[key]
    const path = join(dir, `${key}.json`)
    writeFileSync(path, JSON.stringify({ [key]: spec.parse === undefined ? true : sample(key) }))
    for (const command of ['send', 'load'] as const) {
      if ((spec.commands as readonly string[]).includes(command)) {
        assert.doesNotThrow(() => loadConfigFile(path, command), `${key} for ${command}`)
      } else {
        assert.throws(() => loadConfigFile(path, command), new RegExp(`"${key}" \\(--[a-z-]+\\) is an option of [a-z, ]+, not of ${command}`))
      }
    }
  }
  const unknown = join(dir, 'unknown.json')
  writeFileSync(unknown, JSON.stringify({ rate: 5, ratee: 6 }))
  assert.throws(() => loadConfigFile(unknown, 'send'), /unknown\.json: unknown config key "ratee" for send/)
})

// A valid value for each value option, as a config file would hold it.
function sample (key: OptionKey): unknown {
  const values: Partial<Record<OptionKey, unknown>> = {
    http: 2,
    stages: '10s:100',
    resolve: 'a.example:443:127.0.0.1',
    dnsServer: '127.0.0.1:53',
    header: ['x-a: b'],
    maxErrorRate: '1%',
    logLevel: 'warn',
    method: 'post',
    urgency: 'high',
    topic: 'news',
    allowHost: '*.example.com',
    ttl: '1d',
    shard: '0/2',
    source: 'postgres://app@127.0.0.1/push',
    query: 'select 1',
    maxP99: '250ms',
    rampUp: '5s',
    duration: '1m',
    timeout: '2s',
    connectTimeout: '2s',
    grace: '1s',
    maxRetryAfter: '1m',
    metricsPort: 9464
  }
  return values[key] ?? (['concurrency', 'connections', 'streams', 'pipelining', 'requests', 'retries', 'rate', 'connectRate'].includes(key) ? 4 : 'x')
}

test('every example config file uses only schema keys', () => {
  const props = new Set(Object.keys((configSchema() as unknown as Schema).properties))
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'node_modules') walk(join(dir, e.name))
      else if (e.name.endsWith('.config.json')) found.push(join(dir, e.name))
    }
  }
  walk(join(repoRoot, 'examples'))
  assert.ok(found.length > 0)
  for (const f of found) for (const k of Object.keys(JSON.parse(readFileSync(f, 'utf8')) as object)) assert.ok(props.has(k), `${f}: ${k}`)
})

test('describeConfig: each value with its source, durations in units, secrets out', () => {
  const d = describeConfig({
    command: 'load',
    cli: { rate: 50, header: [['Authorization', 'Bearer sekrit'], ['x-trace', 'on']], body: 'postgres://u:pw@db/x' },
    file: { path: '/etc/ns.json', options: { rampUp: 30_000, rate: 10, maxP99: 250 }, workers: 3 },
    workersArg: undefined,
    workers: 3,
    env: { NOTIFY_SENDER_VAPID_PRIVATE_KEY: 'privsecret', PGPASSWORD: 'pgsecret', NOTIFY_SENDER_SHARD: '1/2', HOME: '/root' }
  })
  assert.deepEqual(d.options.rate, { value: 50, from: 'command line' })
  assert.deepEqual(d.options.rampUp, { value: '30s', from: 'config file' })
  assert.deepEqual(d.options.maxP99, { value: '250ms', from: 'config file' })
  assert.deepEqual(d.options.concurrency, { value: '100 per worker', from: 'default' })
  assert.deepEqual(d.options.insecure, { value: false, from: 'default' })
  assert.deepEqual(d.options.stages, { value: null, from: 'unset' })
  assert.deepEqual(d.options.header, { value: ['Authorization: [redacted]', 'x-trace: on'], from: 'command line' })
  assert.deepEqual(d.workers, { value: 3, from: 'config file' })
  assert.deepEqual(d.environment, { NOTIFY_SENDER_VAPID_PRIVATE_KEY: '[redacted]', PGPASSWORD: '[redacted]', NOTIFY_SENDER_SHARD: '1/2' })
  const text = JSON.stringify(d)
  for (const secret of ['sekrit', 'privsecret', 'pgsecret', ':pw@']) assert.equal(text.includes(secret), false, secret)
})

test('formatDuration and redactUrlPasswords', () => {
  assert.deepEqual([0, 250, 1000, 90_000, 3_600_000, 86_400_000, 1500].map(formatDuration), ['0s', '250ms', '1s', '90s', '1h', '1d', '1500ms'])
  assert.equal(redactUrlPasswords('postgres://app:s3cr%40t@db.internal:5432/push'), 'postgres://app:[redacted]@db.internal:5432/push')
  assert.equal(redactUrlPasswords('see https://u:p@h/x and postgresql://a:b@c/d'), 'see https://u:[redacted]@h/x and postgresql://a:[redacted]@c/d')
  assert.equal(redactUrlPasswords('postgres://app@db/push'), 'postgres://app@db/push')
})
