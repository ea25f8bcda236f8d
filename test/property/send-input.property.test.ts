// End to end over garbage: random input files (valid subscriptions mixed with random bytes, truncated
// JSON, wrong types, bad base64url, off-curve points, huge lines, blank lines, a BOM, CRLF endings) go
// through a real dry-run send — reader, feeder, worker threads, outcome files. The unit-level properties
// of the reader and the parser live in input.property.test.ts; this one checks that the whole pipeline
// never crashes or hangs, reconciles, and reports every bad line once, with its line number and a reason.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { tempDir } from '../helpers/files.js'
import { assertReconciled, P256DH_POOL, sendBounded, writeVapidKeyFile } from '../helpers/send-run.js'
import { splitAt } from '../helpers/chunks.js'

/** One generated line: its bytes (without terminator) and what the sender must make of it. */
interface Spec {
  bytes: Buffer
  /** 'invalid' with the exact reason when the generator knows it, any listed reason otherwise. */
  expect: 'valid' | 'invalid'
  reason?: string
  what: string
}

const REASONS = new Set(['bad-json', 'not-an-object', 'missing-endpoint', 'bad-endpoint', 'endpoint-not-https', 'host-not-allowed',
  'missing-keys', 'bad-p256dh', 'bad-auth', 'bad-payload', 'line-too-long', 'payload-too-large'])
const ENDPOINT = 'https://fcm.googleapis.com/fcm/send/'
const MAX_LINE = 1024 * 1024

const text = (what: string, s: string, expect: Spec['expect'], reason?: string): Spec =>
  ({ bytes: Buffer.from(s, 'utf8'), expect, what, ...(reason !== undefined ? { reason } : {}) })

const auth16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url'))
const p256dh = fc.constantFrom(...P256DH_POOL)
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)
const smallPayload = fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 })), { nil: undefined })

/** A valid subscription object (a fresh object each time, so callers may break it). */
const validObject = fc.record({ token, p256dh, auth: auth16, id: fc.nat(), payload: smallPayload })
  .map(({ token, p256dh, auth, id, payload }) => {
    const o: Record<string, unknown> = { endpoint: ENDPOINT + token, expirationTime: null, keys: { p256dh, auth }, id }
    if (payload !== undefined) o.payload = payload
    return o
  })

const valid = validObject.map((o) => text('valid', JSON.stringify(o), 'valid'))

// Arbitrary bytes on one line (newlines taken out): blank, bad JSON or not an object, never valid.
const randomLine = fc.uint8Array({ minLength: 1, maxLength: 120 })
  .map((a) => ({ bytes: Buffer.from(a.map((b) => b === 0x0a ? 0x20 : b)), expect: 'invalid' as const, what: 'random bytes' }))

const truncated = fc.tuple(validObject, fc.nat()).map(([o, cut]) => {
  const s = JSON.stringify(o)
  return text('truncated', s.slice(0, 1 + (cut % (s.length - 1))), 'invalid', 'bad-json')
})

const notObject = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.integer(), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null))
  .map((v) => text('not an object', JSON.stringify(v), 'invalid', 'not-an-object'))

const wrongScalar = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }), fc.constant({}))
const wrongTypes = fc.tuple(validObject, fc.constantFrom('endpoint', 'keys', 'p256dh', 'auth', 'payload', 'no-endpoint', 'no-auth'), wrongScalar, fc.constantFrom<unknown>(undefined, null, ''))
  .map(([o, field, v, empty]) => {
    const keys = o.keys as Record<string, unknown>
    switch (field) {
      case 'endpoint': o.endpoint = v; return text('wrong type: endpoint', JSON.stringify(o), 'invalid', 'bad-endpoint')
      case 'no-endpoint': o.endpoint = empty; return text('missing endpoint', JSON.stringify(o), 'invalid', 'missing-endpoint')
      case 'keys': o.keys = typeof v === 'object' && !Array.isArray(v) ? 'keys' : v; return text('wrong type: keys', JSON.stringify(o), 'invalid', 'missing-keys')
      case 'p256dh': keys.p256dh = v; return text('wrong type: p256dh', JSON.stringify(o), 'invalid', 'bad-p256dh')
      case 'auth': keys.auth = v; return text('wrong type: auth', JSON.stringify(o), 'invalid', 'bad-auth')
      case 'no-auth': delete keys.auth; return text('missing auth', JSON.stringify(o), 'invalid', 'missing-keys')
      default: o.payload = typeof v === 'object' ? 7 : v; return text('wrong type: payload', JSON.stringify(o), 'invalid', 'bad-payload')
    }
  })

const badBase64 = fc.tuple(validObject, fc.boolean(), fc.nat(), fc.constantFrom('!', '*', '.', '~', '@', '#', '%'))
  .map(([o, inP256dh, at, ch]) => {
    const keys = o.keys as Record<string, string>
    const field = inP256dh ? 'p256dh' : 'auth'
    const k = keys[field] ?? ''
    const i = at % (k.length + 1)
    keys[field] = k.slice(0, i) + ch + k.slice(i)
    return text(`bad base64url in ${field}`, JSON.stringify(o), 'invalid', inP256dh ? 'bad-p256dh' : 'bad-auth')
  })

const offCurve = fc.tuple(validObject, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 7 }))
  .map(([o, at, bit]) => {
    const keys = o.keys as Record<string, string>
    const point = Buffer.from(keys.p256dh ?? '', 'base64url')
    point[at] = (point[at] ?? 0) ^ (1 << bit)
    keys.p256dh = point.toString('base64url')
    return text('point not on the curve', JSON.stringify(o), 'invalid', 'bad-p256dh')
  })

const policyRefused = fc.tuple(validObject, fc.constantFrom(
  ['http://fcm.googleapis.com/fcm/send/x', 'endpoint-not-https'],
  ['https://push.example.net/x', 'host-not-allowed'],
  ['https://10.0.0.1/x', 'host-not-allowed'],
  ['not a url', 'bad-endpoint']
)).map(([o, [endpoint, reason]]) => {
  o.endpoint = endpoint
  return text(`endpoint ${endpoint}`, JSON.stringify(o), 'invalid', reason)
})

// Longer than the 1 MiB limit: counted and reported, never buffered whole.
const huge = fc.integer({ min: MAX_LINE + 1, max: MAX_LINE + 4096 })
  .map((size) => ({ bytes: Buffer.alloc(size, 0x61), expect: 'invalid' as const, reason: 'line-too-long', what: 'huge line' }))

const blank = fc.constantFrom('', ' ', '\t', '  \t ', '\r')
  .map((s) => ({ bytes: Buffer.from(s), expect: 'invalid' as const, what: 'blank' }))

const line: fc.Arbitrary<Spec> = fc.oneof(
  { arbitrary: valid, weight: 6 },
  { arbitrary: randomLine, weight: 2 },
  { arbitrary: truncated, weight: 1 },
  { arbitrary: notObject, weight: 1 },
  { arbitrary: wrongTypes, weight: 2 },
  { arbitrary: badBase64, weight: 1 },
  { arbitrary: offCurve, weight: 1 },
  { arbitrary: policyRefused, weight: 1 },
  { arbitrary: blank, weight: 1 }
)

const file = fc.record({
  lines: fc.array(line, { minLength: 1, maxLength: 60 }),
  // At most one huge line per file (each is over a megabyte), at a random place.
  huge: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.tuple(huge, fc.nat()), weight: 1 }),
  crlf: fc.array(fc.boolean(), { maxLength: 61 }),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  // Where an in-memory input is cut into chunks.
  cuts: fc.array(fc.nat(), { maxLength: 12 })
})
type File = typeof file extends fc.Arbitrary<infer F> ? F : never

const BLANK_BYTES = new Set([0x20, 0x09, 0x0d])
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** Whether the reader treats a line as blank (it strips one leading BOM on line 1). */
function isBlank (bytes: Buffer, lineNo: number, bom: boolean): boolean {
  let b = bom && lineNo === 1 ? Buffer.concat([UTF8_BOM, bytes]) : bytes
  if (lineNo === 1 && b.subarray(0, 3).equals(UTF8_BOM)) b = b.subarray(3)
  return b.every((x) => BLANK_BYTES.has(x))
}

const vapidKeys = writeVapidKeyFile(tempDir())

/** Builds the input, runs a dry-run send over it and checks every line's outcome against the generator's. */
async function dryRunMatches (f: File, workers: number, input: 'file' | 'chunks'): Promise<void> {
  const specs = [...f.lines]
  if (f.huge !== undefined) specs.splice(f.huge[1] % (specs.length + 1), 0, f.huge[0])
  const parts: Buffer[] = []
  if (f.bom) parts.push(UTF8_BOM)
  const expected = new Map<number, Spec>()
  specs.forEach((s, i) => {
    const lineNo = i + 1
    parts.push(s.bytes)
    const last = i === specs.length - 1
    if (!last || f.finalNewline) parts.push(Buffer.from(f.crlf[i] === true ? '\r\n' : '\n'))
    if (!isBlank(s.bytes, lineNo, f.bom)) expected.set(lineNo, s)
  })
  const bytes = Buffer.concat(parts)
  const dir = mkdtempSync(join(tmpdir(), 'ns-prop-send-'))
  try {
    let subscriptions: string | AsyncIterable<Buffer>
    if (input === 'file') {
      subscriptions = join(dir, 'in.ndjson')
      writeFileSync(subscriptions, bytes)
    } else {
      subscriptions = (async function * () { yield * splitAt(bytes, f.cuts) })()
    }
    const out = join(dir, 'out')
    const report = await sendBounded({ subscriptions, payload: 'property', vapidKeys, out, dryRun: true, workers, logLevel: 'silent' }, 'dry-run send', 20_000)
    const { records } = assertReconciled(report, out, expected.keys())
    const wantValid = [...expected].filter(([, s]) => s.expect === 'valid').map(([n]) => n)
    const wantInvalid = [...expected].filter(([, s]) => s.expect === 'invalid').map(([n]) => n)
    assert.deepEqual(report.outcomes, {
      read: expected.size, sent: 0, expired: 0, failed: 0, invalid: wantInvalid.length, dryRun: wantValid.length, notAttempted: 0, indeterminate: 0, skipped: 0
    })
    assert.deepEqual(records['dry-run'].map((r) => r.line).sort((a, b) => a - b), wantValid)
    for (const r of records['dry-run']) assert.ok(typeof r.bytes === 'number' && r.bytes > 86, `line ${r.line}: encrypted size`)
    for (const r of records.invalid) {
      const spec = expected.get(r.line)
      assert.ok(spec !== undefined && spec.expect === 'invalid', `line ${r.line} is not one of the bad lines`)
      assert.ok(typeof r.reason === 'string' && REASONS.has(r.reason), `line ${r.line} (${spec.what}): reason ${String(r.reason)}`)
      if (spec.reason !== undefined) assert.equal(r.reason, spec.reason, `line ${r.line} (${spec.what})`)
      assert.ok(typeof r.message === 'string' && r.message.length > 0, `line ${r.line} has a message`)
      // Bad lines never echo key material back.
      for (const k of P256DH_POOL) assert.ok(!JSON.stringify(r).includes(k))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Each example starts worker threads (about half a second on a small machine), so the runs are few and
// split over three properties of at most 5 s each: a file with one worker, with two, and chunks from memory.
const E2E = { numRuns: 5, interruptAfterTimeLimit: 5000 }

for (const [what, workers, input] of [['a file, 1 worker', 1, 'file'], ['a file, 2 workers', 2, 'file'], ['chunks from memory', 1, 'chunks']] as const) {
  test(`property (${what}): a dry-run send over random input never crashes, reconciles and reports every bad line once with its line number`, async (t) => {
    let runs = 0
    await fc.assert(fc.asyncProperty(file, async (f) => {
      runs++
      await dryRunMatches(f, workers, input)
    }), E2E)
    assert.ok(runs >= 2, `only ${runs} runs within the time limit`)
    t.diagnostic(`${runs} dry-run sends`)
  })
}

test('a dry-run send of a file that is one huge line, then a valid one, rejects the first and encrypts the second', async () => {
  const dir = tempDir()
  const input = join(dir, 'in.ndjson')
  const validLine = JSON.stringify({ endpoint: `${ENDPOINT}x`, keys: { p256dh: P256DH_POOL[0], auth: randomBytes(16).toString('base64url') } })
  writeFileSync(input, Buffer.concat([Buffer.from('{"endpoint":"'), Buffer.alloc(3 * MAX_LINE, 0x78), Buffer.from(`"}\r\n${validLine}`)]))
  const out = join(dir, 'out')
  const report = await sendBounded({ subscriptions: input, payload: 'x', vapidKeys: writeVapidKeyFile(dir), out, dryRun: true, workers: 1, logLevel: 'silent' }, 'dry-run send', 20_000)
  const { records } = assertReconciled(report, out)
  assert.equal(records.invalid[0]?.line, 1)
  assert.equal(records.invalid[0]?.reason, 'line-too-long')
  // The line's bytes without its CRLF: the 13-byte prefix, the filler and the closing '"}'.
  assert.equal(records.invalid[0]?.message, `line is longer than the limit (${13 + 3 * MAX_LINE + 2} bytes seen)`)
  assert.equal(records['dry-run'][0]?.line, 2)
})
