import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_TTL_SECONDS, checkHeaders, parsePushPath } from '../../src/sim/request.js'
import { isLoopbackAddress, resolveSimulatorOptions } from '../../src/sim/options.js'

const OK = { ttl: '60', 'content-encoding': 'aes128gcm', authorization: 'vapid t=x, k=y' }

test('parsePushPath accepts /push/<canonical index>/<token> only', () => {
  assert.deepEqual(parsePushPath('/push/0/abc_-Z9'), { index: 0, token: 'abc_-Z9' })
  assert.deepEqual(parsePushPath('/push/1234/t'), { index: 1234, token: 't' })
  for (const bad of ['/push/01/t', '/push/1', '/push/1/', '/push/-1/t', '/push/1/t?x=1', '/push/1/t/x', '/Push/1/t', '/push/1/a.b', '', '*']) {
    assert.equal(parsePushPath(bad), undefined, bad)
  }
})

test('checkHeaders applies the RFC 8030 rules in order and fills in defaults', () => {
  assert.deepEqual(checkHeaders(OK), { ttl: 60, urgency: 'normal', topic: undefined, authorization: 'vapid t=x, k=y' })
  assert.deepEqual(checkHeaders({ ...OK, ttl: '0', urgency: 'very-low', topic: 'A-_z'.repeat(8) }),
    { ttl: 0, urgency: 'very-low', topic: 'A-_z'.repeat(8), authorization: 'vapid t=x, k=y' })
  assert.equal((checkHeaders({ ...OK, ttl: '99999999999999999999' }) as { ttl: number }).ttl, MAX_TTL_SECONDS)
  const reasonOf = (h: Record<string, string | undefined>): unknown => {
    const r = checkHeaders(h)
    return 'reason' in r ? [r.reason, r.status ?? 'default'] : 'ok'
  }
  assert.deepEqual(reasonOf({ ...OK, ttl: undefined }), ['missingTtl', 'default'])
  for (const ttl of ['-1', '1.5', ' 60', '6e1', '', '60, 60']) assert.deepEqual(reasonOf({ ...OK, ttl }), ['missingTtl', 'default'], ttl)
  for (const urgency of ['urgent', 'HIGH', 'normal, high', '']) assert.deepEqual(reasonOf({ ...OK, urgency }), ['badUrgency', 'default'], urgency)
  for (const topic of ['a'.repeat(33), 'has space', 'a+b', '']) assert.deepEqual(reasonOf({ ...OK, topic }), ['badTopic', 'default'], topic)
  assert.deepEqual(reasonOf({ ...OK, 'content-encoding': undefined }), ['badEncoding', 'default'])
  assert.deepEqual(reasonOf({ ...OK, 'content-encoding': 'aesgcm' }), ['badEncoding', 415])
  assert.deepEqual(reasonOf({ ...OK, 'content-encoding': 'aes128gcm, gzip' }), ['badEncoding', 415])
  assert.equal(reasonOf({ ...OK, 'content-encoding': 'AES128GCM' }), 'ok')
  assert.deepEqual(reasonOf({ ...OK, authorization: undefined }), ['missingAuth', 'default'])
  // Order: TTL is reported before anything else that is also wrong.
  assert.deepEqual(reasonOf({ urgency: 'x', topic: '!' }), ['missingTtl', 'default'])
  assert.deepEqual(reasonOf({ ttl: '1', urgency: 'x', topic: '!' }), ['badUrgency', 'default'])
})

test('the simulator binds loopback only and validates every option with NS_ERR_INVALID_OPTION', () => {
  for (const ok of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1']) assert.equal(isLoopbackAddress(ok), true, ok)
  for (const bad of ['0.0.0.0', '::', '10.0.0.1', 'localhost', '128.0.0.1', '::2', '::ffff:10.0.0.1', '']) assert.equal(isLoopbackAddress(bad), false, bad)
  const o = resolveSimulatorOptions()
  assert.equal(o.host, '127.0.0.1')
  assert.equal(o.subscriptions, 1000)
  assert.equal(o.seed.length, 32)
  assert.equal(o.maxConcurrentStreams, 100)
  assert.equal(o.verifyThreads, 0)
  for (const bad of [
    { host: '0.0.0.0' }, { host: 'localhost' }, { port: 70000 }, { port: 1.5 }, { subscriptions: 0 },
    { seed: '' }, { faults: { throttle: 2 } }, { slowMs: -1 }, { retryAfterSeconds: 0.5 }, { maxConcurrentStreams: 0 },
    { verifyThreads: -1 }, { cert: { cert: 'x' } as unknown as { cert: string, key: string } }
  ]) {
    assert.throws(() => resolveSimulatorOptions(bad), { code: 'NS_ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
})
