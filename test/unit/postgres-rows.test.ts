// The database-free parts of `--source`: URL validation and redaction, the row-to-line mapping (checked by
// parsing the lines with the same parser the workers use) and the ORDER BY heuristic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import { parseSubscriptionLine } from '../../src/webpush/subscription.js'
import { rowShape, rowToLine } from '../../src/input/postgres-rows.js'
import { hasOrderBy, identifyPostgresSource } from '../../src/input/postgres-source.js'
import { parsePostgresUrl, redactMessage, redactPostgresUrl } from '../../src/input/postgres-url.js'

const policy = { allowHosts: ['push.example'], allowPrivate: false }
const p256dh = createECDH('prime256v1').generateKeys()
const auth = randomBytes(16)
const endpoint = 'https://push.example/p/1'

test('postgres URLs: both schemes are accepted, anything else is refused without echoing the value', () => {
  assert.equal(parsePostgresUrl(' postgres://u:p@db/app ', '--source'), 'postgres://u:p@db/app')
  assert.equal(parsePostgresUrl('postgresql://db:6432/app?sslmode=require', '--source'), 'postgresql://db:6432/app?sslmode=require')
  assert.equal(parsePostgresUrl('postgres:///app?host=/run/postgresql', '--source'), 'postgres:///app?host=/run/postgresql')
  assert.throws(() => parsePostgresUrl('https://u:topsecret@db/app', '--source'), (err: Error & { code?: string }) =>
    err.code === 'NS_ERR_INVALID_OPTION' && err.message.startsWith('--source ') && !err.message.includes('topsecret'))
  assert.throws(() => parsePostgresUrl('db.internal', '--source'), { code: 'NS_ERR_INVALID_OPTION' })
})

test('redaction: the password and password parameters become ***, the rest stays readable', () => {
  assert.equal(redactPostgresUrl('postgres://app:s3cr%40t@db:5432/app?sslmode=require'), 'postgres://app:***@db:5432/app?sslmode=require')
  assert.equal(redactPostgresUrl('postgres://app@db/app?password=s3cret'), 'postgres://app@db/app?password=***')
  assert.equal(redactPostgresUrl('postgres://app@db/app'), 'postgres://app@db/app')
  const url = 'postgres://app:s3cr%40t@db/app'
  const msg = redactMessage(`failed for ${url}: token s3cr@t rejected`, url)
  assert.ok(!msg.includes('s3cr'), msg)
  assert.match(msg, /postgres:\/\/app:\*\*\*@db\/app/)
})

test('columns endpoint/p256dh/auth become a subscription line; other columns are metadata; bytea keys are encoded', () => {
  const shape = rowShape(['id', 'endpoint', 'p256dh', 'auth', 'payload'])
  assert.deepEqual(shape, { kind: 'columns', meta: ['id', 'payload'] })
  const line = rowToLine({ id: 7, endpoint, p256dh: p256dh.toString('base64url'), auth, payload: 'hi' }, shape)
  assert.equal(line, JSON.stringify({ endpoint, keys: { p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') }, id: 7, payload: 'hi' }))
  const parsed = parseSubscriptionLine(line, policy)
  assert.ok(parsed.ok)
  assert.equal(parsed.sub.payload, 'hi')
  assert.deepEqual({ ...parsed.sub.meta }, { id: 7 })
})

test('rows that are not subscriptions still become exactly one line, which the worker rejects with a reason', () => {
  const cols = rowShape(['endpoint', 'p256dh', 'auth', 'keys'])
  const doc = rowShape(['subscription', 'id'])
  const cases: Array<[string, string]> = [
    [rowToLine({ endpoint: null, p256dh: 'a', auth: 'b', keys: null }, cols), 'missing-endpoint'],
    [rowToLine({ endpoint, p256dh: null, auth: 'b', keys: 1 }, cols), 'missing-keys'],
    [rowToLine({ endpoint, p256dh: 42, auth: 'b', keys: null }, cols), 'bad-p256dh'],
    [rowToLine({ subscription: null, id: 1 }, doc), 'not-an-object'],
    [rowToLine({ subscription: '[1]', id: 2 }, doc), 'not-an-object'],
    [rowToLine({ subscription: '{"endpoint":\n"https://x', id: 3 }, doc), 'bad-json'],
    [rowToLine({ subscription: { keys: {} }, id: 4 }, doc), 'missing-endpoint']
  ]
  for (const [line, reason] of cases) {
    assert.ok(!line.includes('\n'), line)
    const r = parseSubscriptionLine(line, policy)
    assert.equal(r.ok ? 'ok' : r.reason, reason, line)
  }
})

test('a subscription column (text, json or bytea): the subscription\'s own fields win over columns', () => {
  const shape = rowShape(['id', 'subscription', 'endpoint'])
  assert.deepEqual(shape, { kind: 'subscription', meta: ['id', 'endpoint'] })
  const sub = { endpoint, keys: { p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') }, id: 'own' }
  for (const value of [sub, JSON.stringify(sub, null, 2), Buffer.from(JSON.stringify(sub))]) {
    const line = rowToLine({ id: 9, subscription: value, endpoint: 'https://other.example/x' }, shape)
    assert.deepEqual(JSON.parse(line), sub)
  }
  const withMeta = JSON.parse(rowToLine({ subscription: { endpoint }, id: 3, endpoint: 'x' }, shape)) as Record<string, unknown>
  assert.deepEqual(withMeta, { endpoint, id: 3 })
})

test('a result without the needed columns is refused once, naming what is missing', () => {
  assert.throws(() => rowShape(['id', 'endpoint', 'auth']), { code: 'NS_ERR_INPUT', message: /missing p256dh.*returned columns id, endpoint, auth/ })
  assert.throws(() => rowShape([]), { message: /returned no columns/ })
})

test('ORDER BY is found outside comments and strings; the identity depends on URL and query, not the password', () => {
  assert.equal(hasOrderBy('select * from s order by id'), true)
  assert.equal(hasOrderBy('SELECT *\nFROM s\nORDER\n  BY id DESC'), true)
  assert.equal(hasOrderBy("select * from s where note = 'order by'"), false)
  assert.equal(hasOrderBy('select * from s -- order by id'), false)
  assert.equal(hasOrderBy('select * from s /* order by id */'), false)
  assert.equal(hasOrderBy('select * from s'), false)
  const a = identifyPostgresSource('postgres://u:one@db/app', 'select 1')
  assert.deepEqual(identifyPostgresSource('postgres://u:two@db/app', 'select 1'), a)
  assert.notEqual(identifyPostgresSource('postgres://u:one@db/app', 'select 2').headSha256, a.headSha256)
  assert.notEqual(identifyPostgresSource('postgres://u:one@db/other', 'select 1').headSha256, a.headSha256)
  assert.equal(a.path, 'postgres://u@db/app')
  // #12: the same database with the password in PGPASSWORD (or a password parameter) is the same input.
  assert.deepEqual(identifyPostgresSource('postgres://u@db/app', 'select 1'), a)
  assert.deepEqual(identifyPostgresSource('postgres://u@db/app?password=one', 'select 1'), a)
})
