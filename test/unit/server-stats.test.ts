import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bump, countRequest, MAX_COUNTER_KEYS, newRequestStats, OTHER_KEY } from '../helpers/server-stats.js'

test('counter maps stop growing at MAX_COUNTER_KEYS and lump the rest under OTHER_KEY', () => {
  const map = new Map<string, number>()
  for (let i = 0; i < MAX_COUNTER_KEYS + 50; i++) bump(map, `/p${i}`)
  bump(map, '/p0')
  assert.equal(map.size, MAX_COUNTER_KEYS)
  // MAX_COUNTER_KEYS - 1 real keys fit; the remaining 51 land in OTHER_KEY.
  assert.equal(map.get(OTHER_KEY), 51)
  assert.equal(map.get('/p0'), 2, 'keys already present keep counting')
})

test('countRequest strips the query string and counts by method and local address', () => {
  const stats = newRequestStats()
  countRequest(stats, 'POST', '/push/a?x=1', '127.0.0.2')
  countRequest(stats, 'POST', '/push/a', '127.0.0.2')
  countRequest(stats, 'GET', '/', undefined)
  assert.equal(stats.requests, 3)
  assert.deepEqual([...stats.paths], [['/push/a', 2], ['/', 1]])
  assert.deepEqual([...stats.methods], [['POST', 2], ['GET', 1]])
  assert.deepEqual([...stats.byLocalAddress], [['127.0.0.2', 2], ['(unknown)', 1]])
})
