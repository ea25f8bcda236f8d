import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseDuration, parseHeader, parseRatio, parseResolve, parseStages, parsePositiveInt } from '../../src/config/parse.js'

test('parseDuration accepts units; 0 needs none', () => {
  assert.equal(parseDuration('250ms', '--timeout'), 250)
  assert.equal(parseDuration('5s', '--timeout'), 5000)
  assert.equal(parseDuration('1.5m', '--timeout'), 90_000)
  assert.equal(parseDuration('0', '--ramp-up'), 0)
  assert.throws(() => parseDuration('5 parsecs', '--timeout'), { code: 'NS_ERR_INVALID_OPTION', message: /--timeout/ })
})

test('#11 parseDuration refuses a bare number (it was read as seconds: --max-p99 50 meant 50 s)', () => {
  for (const bare of ['2', '50', '0.5', ' 10 ']) {
    assert.throws(() => parseDuration(bare, '--max-p99'), { code: 'NS_ERR_INVALID_OPTION', message: /--max-p99 needs a unit: .*ms or .*s\?/ })
  }
})

test('parsePositiveInt refuses empty, fractional and negative values', () => {
  for (const bad of ['', '0', '-1', '1.5', 'abc', '1e400']) {
    assert.throws(() => parsePositiveInt(bad, '--concurrency'), { message: /--concurrency/ })
  }
  assert.equal(parsePositiveInt('12', '--concurrency'), 12)
})

test('parseRatio accepts ratios and percentages', () => {
  assert.equal(parseRatio('0.01', '--max-error-rate'), 0.01)
  assert.equal(parseRatio('5%', '--max-error-rate'), 0.05)
  assert.throws(() => parseRatio('1.5', '--max-error-rate'), { message: /--max-error-rate/ })
})

test('parseHeader lower-cases the name and rejects CRLF injection', () => {
  assert.deepEqual(parseHeader('X-Test: a:b', '--header'), ['x-test', 'a:b'])
  assert.throws(() => parseHeader('bad header: x', '--header'), { message: /--header/ })
  assert.throws(() => parseHeader('x: a\r\nb: c', '--header'), { message: /control character/ })
})

test('parseStages reads k6-style stages', () => {
  assert.deepEqual(parseStages('10s:1000, 30s:5000', '--stages'), [
    { durationMs: 10_000, target: 1000 },
    { durationMs: 30_000, target: 5000 }
  ])
  assert.throws(() => parseStages('10s', '--stages'), { message: /--stages/ })
})

test('parseResolve follows curl host:port:addr[,addr] semantics', () => {
  assert.deepEqual(parseResolve('push.test:443:127.0.0.1,[::1]', '--resolve'), {
    host: 'push.test', port: 443, addresses: ['127.0.0.1', '::1']
  })
  assert.throws(() => parseResolve('push.test:443:not-an-ip', '--resolve'), { message: /--resolve/ })
})
