// Bad input never stops a send: each bad line gets exactly one `invalid` outcome with its line number and
// reason, the good lines are sent, and the counts reconcile with the input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createECDH, randomBytes } from 'node:crypto'
import { runSend } from '../../src/run/send.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'

test('an invalid-input corpus: every bad line is reported with its line number and reason; the run continues', async (t) => {
  const f = await simFixture(t, 20)
  const good = f.lines()
  const sub = JSON.parse(good[0] as string) as { endpoint: string, keys: { p256dh: string, auth: string } }
  const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')
  const validKey = createECDH('prime256v1').generateKeys().toString('base64url')
  // [line text, expected reason or null for a valid line]
  const corpus: Array<[string, string | null]> = [
    [good[1] as string, null],
    ['{"endpoint": "https://x', 'bad-json'],
    ['[1,2,3]', 'not-an-object'],
    ['{"keys":{"p256dh":"a","auth":"b"}}', 'missing-endpoint'],
    [JSON.stringify({ ...sub, endpoint: 'http://fcm.googleapis.com/fcm/send/abc' }), 'endpoint-not-https'],
    [JSON.stringify({ ...sub, endpoint: 'https://evil.example.com/push' }), 'host-not-allowed'],
    [JSON.stringify({ endpoint: sub.endpoint }), 'missing-keys'],
    [JSON.stringify({ ...sub, keys: { ...sub.keys, p256dh: offCurve } }), 'bad-p256dh'],
    [JSON.stringify({ ...sub, keys: { ...sub.keys, p256dh: validKey.slice(0, 40) + '!' + validKey.slice(41) } }), 'bad-p256dh'],
    [JSON.stringify({ ...sub, keys: { ...sub.keys, auth: randomBytes(15).toString('base64url') } }), 'bad-auth'],
    [JSON.stringify({ ...sub, payload: 42 }), 'bad-payload'],
    [JSON.stringify({ ...sub, payload: 'x'.repeat(4000) }), 'payload-too-large'],
    ['{"big":"' + 'y'.repeat(1_100_000) + '"}', 'line-too-long'],
    ['', null],
    ['   ', null],
    [good[2] as string, null]
  ]
  // BOM at the start and CRLF line endings are accepted.
  const text = '\uFEFF' + corpus.map(([l]) => l).join('\r\n') + '\r\n'
  const input = join(f.dir, 'corpus.ndjson')
  writeFileSync(input, text)
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, subscriptions: input, workers: 1, payload: 'hello', out })
  const o = r.outcomes
  assert.ok(o !== undefined)
  const expectedInvalid = corpus.map(([, reason], i) => ({ line: i + 1, reason })).filter((e) => e.reason !== null)
  // Blank lines are not subscriptions: they are not read, and their numbers stay in the count.
  assert.equal(o.read, corpus.length - 2)
  assert.equal(o.sent, 2)
  assert.equal(o.invalid, expectedInvalid.length)
  assert.equal(o.read, o.sent + o.invalid)
  const invalid = readRecords(join(out, 'invalid.ndjson')).map((rec) => ({ line: rec.line, reason: rec.reason }))
  assert.deepEqual(invalid.sort((a, b) => Number(a.line) - Number(b.line)), expectedInvalid)
  const sentLines = readRecords(join(out, 'sent.ndjson')).map((rec) => rec.line).sort()
  assert.deepEqual(sentLines, [1, 16])
  for (const rec of readRecords(join(out, 'invalid.ndjson'))) {
    assert.equal(typeof rec.message, 'string')
    // Reasons never echo keys or the capability part of an endpoint.
    assert.ok(!String(rec.message).includes(sub.keys.auth))
    assert.ok(!String(rec.message).includes(new URL(sub.endpoint).pathname))
  }
  assert.equal(r.passed, true)
})

test('--dry-run validates and encrypts every line but sends nothing', async (t) => {
  const f = await simFixture(t, 50)
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, workers: 2, payload: 'dry', dryRun: true, out })
  assert.equal(r.outcomes?.dryRun, 50)
  assert.equal(r.outcomes?.sent, 0)
  assert.equal(r.requests.started, 0)
  assert.equal(f.sim.stats().requests, 0)
  assert.equal(readRecords(join(out, 'dry-run.ndjson')).length, 50)
})

test('a job payload over 3993 bytes is a usage error before anything is sent', async (t) => {
  const f = await simFixture(t, 5)
  await assert.rejects(runSend({ ...f.options, payload: 'z'.repeat(3994) }), { code: 'NS_ERR_PAYLOAD_TOO_LARGE', message: /--payload is 3994 bytes/ })
  assert.equal(f.sim.stats().requests, 0)
})

test('stdin-like input: subscriptions can come from any async iterable', async (t) => {
  const f = await simFixture(t, 30)
  async function * chunks (): AsyncGenerator<string> {
    for (const l of f.lines()) yield l + '\n'
  }
  const r = await runSend({ ...f.options, subscriptions: chunks(), workers: 1, payload: 'from a stream' })
  assert.equal(r.outcomes?.sent, 30)
})
