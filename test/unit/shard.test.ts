import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { formatShard, parseShardSpec, resolveShard, shardFilter, shardKey, shardOfKey } from '../../src/send/shard.js'
import type { LineRecord } from '../../src/input/lines.js'
import { NotifySenderError } from '../../src/errors.js'

const usage = (re: RegExp) => (err: unknown): boolean => err instanceof NotifySenderError && err.code === 'NS_ERR_INVALID_OPTION' && re.test(err.message)

test('parseShardSpec accepts i/n and n, and names the option in every refusal', () => {
  assert.deepEqual(parseShardSpec('0/4', '--shard'), { index: 0, count: 4 })
  assert.deepEqual(parseShardSpec(' 3 / 4 ', '--shard'), { index: 3, count: 4 })
  assert.deepEqual(parseShardSpec('8', '--shard'), { index: undefined, count: 8 })
  assert.throws(() => parseShardSpec('4/4', '--shard'), usage(/^--shard: shard index 4 is out of range for 4 shards \(indices are 0-based: 0 to 3\)/))
  assert.throws(() => parseShardSpec('1/0', '--shard'), usage(/^--shard: the shard count must be from 1/))
  assert.throws(() => parseShardSpec('-1/4', '--shard'), usage(/^--shard must be i\/n/))
  assert.throws(() => parseShardSpec('a/b', 'NOTIFY_SENDER_SHARD'), usage(/^NOTIFY_SENDER_SHARD must be i\/n/))
  assert.throws(() => parseShardSpec('1/99999999', '--shard'), usage(/count must be from 1 to 65536/))
})

test('resolveShard: flag over NOTIFY_SENDER_SHARD, count-only takes JOB_COMPLETION_INDEX', () => {
  assert.equal(resolveShard(undefined, {}), undefined)
  assert.deepEqual(resolveShard({ index: 1, count: 3 }, { NOTIFY_SENDER_SHARD: '2/3' }), { index: 1, count: 3 })
  assert.deepEqual(resolveShard(undefined, { NOTIFY_SENDER_SHARD: '2/3' }), { index: 2, count: 3 })
  assert.deepEqual(resolveShard(undefined, { NOTIFY_SENDER_SHARD: '3', JOB_COMPLETION_INDEX: '1' }), { index: 1, count: 3 })
  assert.deepEqual(resolveShard({ index: undefined, count: 5 }, { JOB_COMPLETION_INDEX: '4' }), { index: 4, count: 5 })
  // An explicit index wins over the pod's: someone re-running one shard by hand.
  assert.deepEqual(resolveShard({ index: 0, count: 5 }, { JOB_COMPLETION_INDEX: '4' }), { index: 0, count: 5 })
  assert.equal(resolveShard(undefined, { NOTIFY_SENDER_SHARD: '' }), undefined)
})

test('resolveShard refuses what would send twice or nothing', () => {
  // Every pod of an Indexed Job would send everything.
  assert.throws(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '2' }), usage(/^JOB_COMPLETION_INDEX=2 is set .* every pod would send the whole input/))
  assert.throws(() => resolveShard({ index: undefined, count: 4 }, {}), usage(/^--shard=4 gives only the shard count; .*JOB_COMPLETION_INDEX.* use --shard i\/4/))
  assert.throws(() => resolveShard(undefined, { NOTIFY_SENDER_SHARD: '4' }), usage(/^NOTIFY_SENDER_SHARD=4 gives only the shard count/))
  assert.throws(() => resolveShard({ index: undefined, count: 4 }, { JOB_COMPLETION_INDEX: '4' }), usage(/^JOB_COMPLETION_INDEX="4" is not a shard index from 0 to 3/))
  assert.throws(() => resolveShard({ index: undefined, count: 4 }, { JOB_COMPLETION_INDEX: 'x' }), usage(/is not a shard index/))
})

test('shardOfKey is the documented SHA-256 prefix modulo n', () => {
  const key = 'https://push.example.net/wpush/v2/abc'
  const expected = createHash('sha256').update(key).digest().readUInt32BE(0) % 7
  assert.equal(shardOfKey(key, 7), expected)
  assert.equal(shardOfKey(key, 1), 0)
  // UTF-8 bytes, not UTF-16 code units.
  assert.equal(shardOfKey('https://ü.example/x', 1000), createHash('sha256').update(Buffer.from('https://ü.example/x', 'utf8')).digest().readUInt32BE(0) % 1000)
  assert.equal(formatShard({ index: 2, count: 7 }), '2/7')
})

test('shardKey: the endpoint as written, else the whole line, else the line number', () => {
  const line = (text: string): LineRecord => ({ lineNo: 5, text })
  assert.equal(shardKey(line('{"endpoint":"https://a.example/1","keys":{}}')), 'https://a.example/1')
  assert.equal(shardKey(line('{ "id": 1, "endpoint" : "https://a.example/2" }')), 'https://a.example/2')
  // Same subscription, different metadata: same shard.
  assert.equal(shardKey(line('{"endpoint":"https://a.example/1","id":9}')), shardKey(line('{"id":8,"endpoint":"https://a.example/1"}')))
  assert.equal(shardKey(line('{"endpoint":42}')), '{"endpoint":42}')
  assert.equal(shardKey(line('{"endpoint":"x"')), '{"endpoint":"x"')
  assert.equal(shardKey(line('not json')), 'not json')
  assert.equal(shardKey(line('["endpoint"]')), '["endpoint"]')
  assert.equal(shardKey({ lineNo: 12, error: 'line-too-long', bytes: 9 }), 'line:12')
})

test('property: every line belongs to exactly one of n shards', () => {
  const rec = fc.oneof(
    fc.record({ lineNo: fc.nat(), text: fc.webUrl().map((u) => JSON.stringify({ endpoint: u, keys: {} })) }),
    fc.record({ lineNo: fc.nat(), text: fc.string({ minLength: 1 }) }),
    fc.record({ lineNo: fc.nat(), error: fc.constant('line-too-long' as const), bytes: fc.nat() })
  )
  fc.assert(fc.property(rec, fc.integer({ min: 1, max: 64 }), (r, n) => {
    const owners = Array.from({ length: n }, (_, i) => shardFilter({ index: i, count: n })(r)).filter(Boolean).length
    assert.equal(owners, 1)
  }), { numRuns: 300 })
})

// Chi-square critical values at p = 0.001: a uniform hash fails this once in a thousand key sets, and
// the key set here is fixed, so the test is deterministic.
const CHI2_CRITICAL: Record<number, number> = { 3: 13.82, 16: 37.70 }

test('shards are balanced: a chi-square test over 50 000 endpoints for 3 and 16 shards', () => {
  const keys = 50_000
  for (const n of [3, 16]) {
    const sizes = new Array<number>(n).fill(0)
    for (let i = 0; i < keys; i++) {
      const s = shardOfKey(`https://fcm.googleapis.com/fcm/send/token-${i.toString(36)}`, n)
      sizes[s] = (sizes[s] ?? 0) + 1
    }
    const even = keys / n
    const chi2 = sizes.reduce((sum, size) => sum + (size - even) ** 2 / even, 0)
    assert.ok(chi2 < (CHI2_CRITICAL[n] ?? 0), `${n} shards: chi2 ${chi2.toFixed(1)} for ${sizes.join(', ')}`)
  }
})
