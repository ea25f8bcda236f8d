// Security defaults and per-origin behaviour: private addresses are refused at connect time, a push
// service that rejects our VAPID credentials is aborted on its own, and a throttling service slows
// down only itself.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createECDH, randomBytes } from 'node:crypto'
import { runSend } from '../../src/run/send.js'
import { startH2Server } from '../helpers/servers.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'

function fakeSubscription (origin: string, i: number): string {
  return JSON.stringify({
    endpoint: `${origin}/push/${i}`,
    keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    id: `fake-${i}`
  })
}

test('endpoints that resolve to loopback are refused at connect time unless --allow-private', async (t) => {
  const f = await simFixture(t, 10)
  const port = new URL(f.sim.origin).port
  // "localhost" passes the host allowlist, but resolves to a loopback address.
  const input = join(f.dir, 'localhost.ndjson')
  writeFileSync(input, f.lines().map((l) => l.replace('https://127.0.0.1:', 'https://localhost:')).join('\n') + '\n')
  const out = join(f.dir, 'out')
  const refused = await runSend({ ...f.options, subscriptions: input, allowHost: [`localhost:${port}`], allowPrivate: false, payload: 'x', out, retries: 1 })
  assert.equal(refused.outcomes?.failed, 10)
  assert.equal(f.sim.stats().requests, 0, 'nothing reached the server')
  for (const rec of readRecords(join(out, 'failed.ndjson'))) assert.match(String(rec.reason), /private_address: refusing to connect to localhost/)
  // The same input with --allow-private goes through.
  const allowed = await runSend({ ...f.options, subscriptions: input, allowHost: [`localhost:${port}`], allowPrivate: true, payload: 'x' })
  assert.equal(allowed.outcomes?.sent, 10)
})

test('an IP-literal private endpoint is invalid without --allow-private; unknown hosts are never contacted', async (t) => {
  const f = await simFixture(t, 5)
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, allowPrivate: false, payload: 'x', out })
  assert.equal(r.outcomes?.invalid, 5)
  assert.ok(readRecords(join(out, 'invalid.ndjson')).every((rec) => rec.reason === 'host-not-allowed'))
  const noAllow = await runSend({ ...f.options, allowHost: [], payload: 'x' })
  assert.equal(noAllow.outcomes?.invalid, 5)
  assert.equal(f.sim.stats().requests, 0)
})

test('consecutive 401/403 abort that push service only; other services are still sent to', async (t) => {
  const f = await simFixture(t, 40)
  const denying = await startH2Server({ status: 403, body: '{"reason":"BadJwtToken"}' })
  t.after(async () => { await denying.close() })
  const ca = join(f.dir, 'both.pem')
  writeFileSync(ca, (f.sim.ca) + (denying.ca as string))
  const lines: string[] = []
  const good = f.lines()
  for (let i = 0; i < 40; i++) lines.push(fakeSubscription(denying.origin, i), good[i] as string)
  const input = join(f.dir, 'mixed.ndjson')
  writeFileSync(input, lines.join('\n') + '\n')
  const out = join(f.dir, 'out')
  // At most 5 in flight: the abort comes after 20 consecutive 403s, so at most 20 + 5 requests can reach the
  // denying service whatever the timing (with the default 100, all 40 may leave before the first answer).
  const r = await runSend({ ...f.options, subscriptions: input, ca, allowHost: [new URL(f.sim.origin).host, new URL(denying.origin).host], workers: 1, concurrency: 5, payload: 'x', out })
  const o = r.outcomes
  assert.ok(o !== undefined)
  assert.equal(o.sent, 40, 'the healthy service got every message')
  assert.equal(o.failed, 40)
  // Not retried, and stopped after the limit instead of hammering the service with bad credentials.
  assert.ok(denying.stats.requests <= 25, `requests to the denying service: ${denying.stats.requests}`)
  const failed = readRecords(join(out, 'failed.ndjson'))
  assert.ok(failed.some((rec) => /HTTP 403: BadJwtToken/.test(String(rec.reason))))
  assert.ok(failed.some((rec) => /origin aborted: .*consecutive 401\/403/.test(String(rec.reason))))
  assert.ok(failed.every((rec) => rec.attempts === 1 || rec.attempts === 0))
  assert.equal(r.passed, false)
  assert.equal(r.exitCode, 1)
  assert.ok(r.problems.some((p) => p.includes(denying.origin) && p.includes('aborted')))
})

test('a 429 with Retry-After slows that service down without stalling the others', async (t) => {
  const healthyAt: number[] = []
  const f = await simFixture(t, 60, { onDelivery: () => { healthyAt.push(Date.now()) } })
  const throttledAt: number[] = []
  const throttling = await startH2Server({
    status: (i) => { throttledAt.push(Date.now()); return i < 3 ? 429 : 201 },
    responseHeaders: (_i, status) => status === 429 ? { 'retry-after': '3' } : {}
  })
  t.after(async () => { await throttling.close() })
  const ca = join(f.dir, 'both.pem')
  writeFileSync(ca, f.sim.ca + (throttling.ca as string))
  // The throttling service's lines come first: without per-origin isolation they would hold up the rest.
  const lines: string[] = []
  for (let i = 0; i < 20; i++) lines.push(fakeSubscription(throttling.origin, i))
  lines.push(...f.lines())
  const input = join(f.dir, 'mixed.ndjson')
  writeFileSync(input, lines.join('\n') + '\n')
  const r = await runSend({ ...f.options, subscriptions: input, ca, allowHost: [new URL(f.sim.origin).host, new URL(throttling.origin).host], workers: 1, concurrency: 3, payload: 'x' })
  assert.equal(r.outcomes?.sent, 80)
  assert.equal(r.status.codes['429'], 3)
  // Retry-After was honoured: the throttled service heard nothing for 3 s after its first 429.
  const first429 = throttledAt[0] as number
  const resumed = throttledAt[3] as number
  assert.ok(resumed - first429 >= 2900, `resumed after ${resumed - first429} ms`)
  // The healthy service was not held up: all of its messages were delivered before that pause ended.
  assert.equal(healthyAt.length, 60)
  assert.ok(Math.max(...healthyAt) < resumed, 'healthy deliveries finished during the other service\'s pause')
})
