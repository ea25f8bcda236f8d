// `notify-sender config --print / --schema` through the real binary: what a cron or Kubernetes job would
// run with, and no secret in the output.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/files.js'
import { writeVapidKeys } from '../helpers/send-fixtures.js'
import { generateVapidKeys } from '../../src/webpush/keys.js'

interface Printed {
  command: string
  configFile: string | null
  workers: { value: number, from: string }
  options: Record<string, { value: unknown, from: string }>
  environment: Record<string, string>
  resolved: Record<string, unknown>
}

test('config --print: file, flags, environment and defaults merged, with sources; secrets redacted', async () => {
  const dir = tempDir()
  const vapid = writeVapidKeys(dir)
  writeFileSync(join(dir, 'notify-sender.config.json'), JSON.stringify({ payload: '{"title":"hi"}', vapidKeys: 'vapid.json', rate: 200, rampUp: '30s', ttl: 86400, workers: 3, out: 'results' }))
  // A private key in the environment as well: it must not appear, and the file's key is the one used.
  const envKey = generateVapidKeys()
  const r = await runCli(['config', '--print', '--rate', '500', '--max-p99', '250ms', '--shard', '4', '--source', 'postgres://app:db-pass-1@127.0.0.1/push?sslpassword=db-pass-2', '--query', 'select 1'], {
    cwd: dir,
    env: { JOB_COMPLETION_INDEX: '2', NOTIFY_SENDER_VAPID_PRIVATE_KEY: envKey.privateKey, PGPASSWORD: 'pg-secret-value' }
  })
  assert.equal(r.code, 0, r.stderr)
  const p = JSON.parse(r.stdout) as Printed
  assert.equal(p.command, 'send')
  assert.equal(p.configFile, join(dir, 'notify-sender.config.json'))
  assert.deepEqual(p.workers, { value: 3, from: 'config file' })
  assert.deepEqual(p.options.rate, { value: 500, from: 'command line' })
  assert.deepEqual(p.options.rampUp, { value: '30s', from: 'config file' })
  assert.deepEqual(p.options.ttl, { value: '1d', from: 'config file' })
  assert.deepEqual(p.options.out, { value: join(dir, 'results'), from: 'config file' })
  assert.deepEqual(p.options.maxP99, { value: '250ms', from: 'command line' })
  assert.deepEqual(p.options.retries, { value: '3', from: 'default' })
  assert.equal(p.resolved.shard, '2/4')
  assert.deepEqual(p.resolved.vapid, { source: join(dir, 'vapid.json'), publicKey: vapid.keys.publicKey, subject: 'mailto:ops@example.com', privateKey: '[redacted]' })
  assert.equal(p.environment.NOTIFY_SENDER_VAPID_PRIVATE_KEY, '[redacted]')
  assert.equal(p.environment.PGPASSWORD, '[redacted]')
  assert.deepEqual(p.options.source, { value: 'postgres://app:***@127.0.0.1/push?sslpassword=***', from: 'command line' })
  for (const secret of [vapid.keys.privateKey, envKey.privateKey, 'pg-secret-value', 'db-pass-1', 'db-pass-2']) {
    assert.equal(r.stdout.includes(secret), false, 'stdout leaks a secret')
    assert.equal(r.stderr.includes(secret), false, 'stderr leaks a secret')
  }
})

test('config --print --for load: URLs and headers without credentials', async () => {
  const dir = tempDir()
  const r = await runCli(['config', '--print', '--for', 'load', 'https://user:hunter2@127.0.0.1:9/x', '2', '-H', 'Authorization: Bearer tok-123', '-H', 'x-run: 7'], { cwd: dir })
  assert.equal(r.code, 0, r.stderr)
  const p = JSON.parse(r.stdout) as Printed
  assert.deepEqual(p.workers, { value: 2, from: 'command line' })
  assert.deepEqual(p.resolved.urls, ['https://user:[redacted]@127.0.0.1:9/x'])
  assert.deepEqual(p.options.header?.value, ['authorization: [redacted]', 'x-run: 7'])
  assert.equal(r.stdout.includes('hunter2') || r.stdout.includes('tok-123'), false)
})

test('config: errors are usage errors (exit 2) that name the key or option', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'notify-sender.config.json'), JSON.stringify({ rate: 10, rampup: '5s' }))
  const unknown = await runCli(['config', '--print'], { cwd: dir })
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown config key "rampup" for send \(did you mean "rampUp"\?\) \[NS_ERR_CONFIG\]/)
  assert.equal(unknown.stdout, '')

  writeFileSync(join(dir, 'notify-sender.config.json'), JSON.stringify({ rate: 10, vapidKeys: 'missing.json' }))
  const missing = await runCli(['config', '--print'], { cwd: dir })
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /missing\.json/)

  const wrongCommand = await runCli(['config', '--print', '-H', 'x: y'], { cwd: tempDir() })
  assert.equal(wrongCommand.code, 2)
  assert.match(wrongCommand.stderr, /--header is not an option of send \(use --for load\)/)

  const twoInputs = await runCli(['config', '--print', '-s', 'subs.ndjson', '--source', 'postgres://a@127.0.0.1/b', '--query', 'select 1'], { cwd: tempDir() })
  assert.equal(twoInputs.code, 2)
  assert.match(twoInputs.stderr, /--source and --subscriptions cannot be used together/)

  const neither = await runCli(['config'], { cwd: tempDir() })
  assert.equal(neither.code, 2)
  assert.match(neither.stderr, /config needs --print .* or --schema/)

  const badShard = await runCli(['config', '--print', '--shard', '3'], { cwd: tempDir() })
  assert.equal(badShard.code, 2)
  assert.match(badShard.stderr, /--shard=3 gives only the shard count/)
})

test('config --schema prints a JSON Schema that closes the key set', async () => {
  const r = await runCli(['config', '--schema'])
  assert.equal(r.code, 0, r.stderr)
  const schema = JSON.parse(r.stdout) as { $schema: string, additionalProperties: boolean, properties: Record<string, unknown> }
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
  assert.equal(schema.additionalProperties, false)
  for (const key of ['rate', 'payload', 'vapidKeys', 'shard', 'workers', 'urls', 'maxErrorRate']) assert.ok(key in schema.properties, key)
  for (const key of ['privateKey', 'json', 'config']) assert.equal(key in schema.properties, false, key)
})
