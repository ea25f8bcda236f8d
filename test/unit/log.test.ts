import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger, redactText } from '../../src/log.js'

const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
const PRIVATE_KEY = 'k8xryfQMzLUxWIqsSWjJnkCLTOwwKzzIOIr9zQNKle8'
const P256DH = 'BLlgBf5c91aSvgZONGa8MSEAQLcmWBg0CXlHUcn-uLykgn526aone70sqeJTsZCREaxKwAhjasWb-S3XjJwZ460'
const AUTH = 'c2VjcmV0LWF1dGgtMTY'
const CAPABILITY = 'wpush/v2/gAAAAABcapabilitySecret'
const ENDPOINT = `https://push.example.com/${CAPABILITY}`
const SECRETS = [JWT, JWT.split('.')[1] ?? JWT, PRIVATE_KEY, P256DH, AUTH, CAPABILITY]

/** A logger writing into memory; returns it and the lines written so far. */
function memoryLogger (): { log: ReturnType<typeof createLogger>, lines: string[] } {
  const lines: string[] = []
  const log = createLogger({ level: 'trace', pretty: false, bindings: { worker: 3 }, destination: { write: (s: string) => { lines.push(s) } } })
  return { log, lines }
}

function assertClean (lines: string[]): void {
  const text = lines.join('')
  for (const s of SECRETS) assert.ok(!text.includes(s), `leaked ${s.slice(0, 16)}… in ${text}`)
  assert.ok(!text.includes('vapid t='), text)
}

test('redactText removes URL passwords (postgres --source) but keeps user and host', () => {
  assert.equal(redactText('connect postgres://app:s3cret@127.0.0.1:5432/push failed'), 'connect postgres://app:[redacted]@127.0.0.1:5432/push failed')
})

test('redactText removes JWTs, VAPID headers and URL paths, keeping the origin', () => {
  assert.equal(redactText(`Authorization: vapid t=${JWT}, k=${P256DH}`), 'Authorization: vapid [redacted]')
  assert.equal(redactText(`token ${JWT} done`), 'token [redacted] done')
  assert.equal(redactText(`POST ${ENDPOINT} failed`), 'POST https://push.example.com/… failed')
  assert.equal(redactText('no secrets here: 410 Gone'), 'no secrets here: 410 Gone')
})

test('secret keys are censored at any depth; strings everywhere are scrubbed; context survives', () => {
  const { log, lines } = memoryLogger()
  const sub = { endpoint: ENDPOINT, keys: { p256dh: P256DH, auth: AUTH } }
  log.info({
    privateKey: PRIVATE_KEY,
    authorization: `vapid t=${JWT}, k=${P256DH}`,
    endpoint: ENDPOINT,
    keys: { p256dh: P256DH, auth: AUTH },
    vapid: { privateKey: PRIVATE_KEY, subject: 'mailto:ops@example.com' },
    job: { vapid: { privateKey: PRIVATE_KEY }, settings: { deeper: { vapid: { privateKey: PRIVATE_KEY } } } },
    request: { headers: { Authorization: `WebPush ${JWT}` }, url: ENDPOINT },
    subs: [sub, ENDPOINT],
    origin: 'https://push.example.com',
    count: 7
  }, `sending to ${ENDPOINT} with ${JWT}`)
  assertClean(lines)
  assert.equal(lines.length, 1)
  const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>
  assert.equal(entry.origin, 'https://push.example.com')
  assert.equal(entry.count, 7)
  assert.equal(entry.worker, 3)
  assert.deepEqual(entry.vapid, { privateKey: '[redacted]', subject: 'mailto:ops@example.com' })
  assert.equal(entry.msg, 'sending to https://push.example.com/… with [redacted]')
  // The caller's objects are scrubbed copies, never modified in place.
  assert.equal(sub.endpoint, ENDPOINT)
  assert.equal(sub.keys.p256dh, P256DH)
})

test('errors are scrubbed: message, stack, extra properties, and the message pino takes from them', () => {
  const { log, lines } = memoryLogger()
  const err = Object.assign(new Error(`push to ${ENDPOINT} rejected ${JWT}`), { url: ENDPOINT, headers: { authorization: JWT } })
  log.error(err)
  log.error({ err })
  log.error({ err }, 'with a message')
  log.warn({ error: new Error(`nested ${ENDPOINT}`), cause: { endpoint: ENDPOINT } }, 'other keys')
  assertClean(lines)
  assert.equal(lines.length, 4)
  const first = JSON.parse(lines[0] ?? '') as { msg: string, err: { message: string, type: string } }
  assert.equal(first.msg, 'push to https://push.example.com/… rejected [redacted]')
  assert.equal(first.err.type, 'Error')
})

test('interpolated values are scrubbed too', () => {
  const { log, lines } = memoryLogger()
  log.info('endpoint %s token %s', ENDPOINT, JWT)
  log.info('object %o and %j', { url: ENDPOINT }, { keys: { auth: AUTH } })
  log.debug({ worker: 1 }, 'sub %s', ENDPOINT)
  assertClean(lines)
  assert.equal(lines.length, 3)
})
