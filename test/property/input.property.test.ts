import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, ECDH, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { decodeBase64Strict } from '../../src/webpush/base64url.js'
import { compileEndpointPolicy } from '../../src/webpush/endpoint-policy.js'
import { LineSplitter, readLines } from '../../src/input/lines.js'
import type { LineRecord } from '../../src/input/lines.js'
import { isP256Point } from '../../src/webpush/p256.js'
import { parseSubscriptionLine } from '../../src/webpush/subscription.js'
import { splitAt } from '../helpers/chunks.js'

// Bounded so the whole suite stays fast on a 2-core CI machine.
const RUNS = { numRuns: 300, interruptAfterTimeLimit: 5000 }

/** What the splitter must produce, computed from the whole input at once. */
function reference (bytes: Buffer, maxLineBytes: number): LineRecord[] {
  const out: LineRecord[] = []
  let start = 0
  let lineNo = 0
  while (start < bytes.length) {
    const found = bytes.indexOf(10, start)
    const nl = found === -1 ? bytes.length : found
    lineNo++
    const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl
    if (end - start > maxLineBytes) {
      out.push({ lineNo, error: 'line-too-long', bytes: end - start })
    } else {
      let text = bytes.toString('utf8', start, end)
      if (lineNo === 1 && text.startsWith('\uFEFF')) text = text.slice(1)
      if (!/^[ \t\r]*$/.test(text)) out.push({ lineNo, text })
    }
    start = nl + 1
  }
  return out
}

function splitSync (chunks: Array<Buffer | string>, maxLineBytes: number): LineRecord[] {
  const s = new LineSplitter(maxLineBytes)
  const out: LineRecord[] = []
  for (const c of chunks) s.push(c, out)
  return s.end(out)
}

// NDJSON-ish text rich in the awkward cases: CR/LF pairs, blank lines, multi-byte characters, BOMs.
const fragment = fc.constantFrom('a', '{"k":"v"}', ' ', '\t', '\n', '\r\n', '\r', 'é', '€', '😀', '\uFEFF', '\n\n', 'xxxxxxxxxx')
const content = fc.tuple(fc.boolean(), fc.array(fragment, { maxLength: 60 }))
  .map(([bom, parts]) => Buffer.from((bom ? '\uFEFF' : '') + parts.join(''), 'utf8'))
const maxLine = fc.integer({ min: 1, max: 40 })

test('property: any chunking of the same bytes yields the same records as the whole-input reference', () => {
  fc.assert(fc.property(content, fc.array(fc.nat(), { maxLength: 12 }), maxLine, (bytes, cuts, max) => {
    assert.deepEqual(splitSync(splitAt(bytes, cuts), max), reference(bytes, max))
  }), RUNS)
})

test('property: splitting in two at every byte offset, or into single bytes, changes nothing', () => {
  fc.assert(fc.property(content, maxLine, (bytes, max) => {
    const expected = reference(bytes, max)
    for (let i = 0; i <= bytes.length; i++) assert.deepEqual(splitSync([bytes.subarray(0, i), bytes.subarray(i)], max), expected)
    const singles = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))
    assert.deepEqual(splitSync(singles, max), expected)
  }), { numRuns: 150, interruptAfterTimeLimit: 5000 })
})

test('property: readLines (async) agrees with the reference for arbitrary chunkings', async () => {
  await fc.assert(fc.asyncProperty(content, fc.array(fc.nat(), { maxLength: 8 }), maxLine, async (bytes, cuts, max) => {
    async function * source (): AsyncGenerator<Buffer> { yield * splitAt(bytes, cuts) }
    const got: LineRecord[] = []
    for await (const r of readLines(source(), { maxLineBytes: max })) got.push(r)
    assert.deepEqual(got, reference(bytes, max))
  }), RUNS)
})

test('property: random bytes never throw, line numbers strictly increase and stay within the newline count', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 1, max: 500 }), (arr, cuts, max) => {
    const bytes = Buffer.from(arr)
    const recs = splitSync(splitAt(bytes, cuts), max)
    let prev = 0
    for (const r of recs) {
      assert.ok(r.lineNo > prev)
      prev = r.lineNo
      if (!('text' in r)) assert.ok(r.bytes > max)
    }
    assert.ok(prev <= bytes.filter((b) => b === 10).length + 1)
    assert.deepEqual(recs, reference(bytes, max))
  }), RUNS)
})

test('property: a multi-megabyte line is counted, not buffered (pending bytes stay <= maxLineBytes + 1)', () => {
  const maxLineBytes = 1024 * 1024
  const filler = Buffer.alloc(64 * 1024, 0x78)
  fc.assert(fc.property(fc.integer({ min: 1024, max: 64 * 1024 }), fc.integer({ min: maxLineBytes + 1, max: 5 * 1024 * 1024 }), (chunkSize, lineBytes) => {
    const s = new LineSplitter(maxLineBytes)
    const out: LineRecord[] = []
    let peak = 0
    s.push('{"first":1}\n', out)
    for (let sent = 0; sent < lineBytes; sent += chunkSize) {
      s.push(filler.subarray(0, Math.min(chunkSize, lineBytes - sent)), out)
      peak = Math.max(peak, s.pendingBytes)
    }
    s.push('\n{"after":1}\n', out)
    s.end(out)
    assert.ok(peak <= maxLineBytes + 1, `peak ${peak}`)
    assert.ok(peak <= maxLineBytes + chunkSize)
    assert.deepEqual(out, [
      { lineNo: 1, text: '{"first":1}' },
      { lineNo: 2, error: 'line-too-long', bytes: lineBytes },
      { lineNo: 3, text: '{"after":1}' }
    ])
  }), { numRuns: 20, interruptAfterTimeLimit: 5000 })
})

test('readLines reports a 5 MB line streamed in 64 KiB chunks and carries on', async () => {
  const total = 5 * 1024 * 1024
  async function * source (): AsyncGenerator<Buffer> {
    yield Buffer.from('{"a":1}\n')
    for (let sent = 0; sent < total; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, 0x78)
    yield Buffer.from('\r\n{"b":2}')
  }
  const recs: LineRecord[] = []
  for await (const r of readLines(source())) recs.push(r)
  assert.deepEqual(recs, [{ lineNo: 1, text: '{"a":1}' }, { lineNo: 2, error: 'line-too-long', bytes: total }, { lineNo: 3, text: '{"b":2}' }])
})

const REASONS = new Set(['bad-json', 'not-an-object', 'missing-endpoint', 'bad-endpoint', 'endpoint-not-https', 'host-not-allowed',
  'missing-keys', 'bad-p256dh', 'bad-auth', 'bad-payload', 'line-too-long'])
const policy = compileEndpointPolicy({ allowHosts: ['push.example.org', '*.test:8443', '127.0.0.1'] })
const validP256dh = Array.from({ length: 4 }, () => createECDH('prime256v1').generateKeys().toString('base64url'))
const validAuth = Array.from({ length: 4 }, () => randomBytes(16).toString('base64url'))
const SECRETS = [...validP256dh, ...validAuth]

function checkResult (text: string): void {
  const r = parseSubscriptionLine(text, policy)
  if (r.ok) {
    assert.equal(r.sub.p256dh.length, 65)
    assert.ok(isP256Point(r.sub.p256dh))
    assert.equal(r.sub.auth.length, 16)
    assert.equal(Object.getPrototypeOf(r.sub.meta), null)
    assert.ok(r.sub.payload === undefined || typeof r.sub.payload === 'string')
    assert.doesNotThrow(() => JSON.stringify(r.sub.meta))
  } else {
    assert.ok(REASONS.has(r.reason), r.reason)
    assert.ok(r.message.length > 0 && r.message.length < 400)
    for (const s of SECRETS) assert.ok(!r.message.includes(s))
  }
}

const anyJson = fc.jsonValue({ maxDepth: 4 })
const endpointConstants = fc.constantFrom('https://fcm.googleapis.com/fcm/send/x', 'http://push.example.org/p', 'https://a.test:8443/x',
  'http://127.0.0.1/x', 'https://web.push.apple.com/t', 'https://u:p@fcm.googleapis.com/', 'ftp://fcm.googleapis.com/', 'https://[::1]/x',
  'https://fcm.googleapis.com./x')
// Weighted towards plausible endpoints and keys so that a fair share of lines get past the first checks.
const endpointArb = fc.oneof({ arbitrary: endpointConstants, weight: 8 }, fc.webUrl(), fc.string(), anyJson)
const keyText = (valid: string[]): fc.Arbitrary<unknown> => fc.oneof(
  { arbitrary: fc.constantFrom(...valid), weight: 12 }, fc.base64String(), fc.string({ unit: 'binary-ascii' }), anyJson,
  fc.constantFrom(...valid).map((k) => k.slice(0, -1)), fc.constantFrom(...valid).map((k) => Buffer.from(k, 'base64url').toString('base64'))
)
const lineObject = fc.record({
  endpoint: endpointArb,
  keys: fc.oneof({ arbitrary: fc.record({ p256dh: keyText(validP256dh), auth: keyText(validAuth) }), weight: 8 }, fc.record({ p256dh: keyText(validP256dh), auth: keyText(validAuth) }, { requiredKeys: [] }), anyJson),
  payload: anyJson,
  expirationTime: anyJson,
  id: anyJson
}, { requiredKeys: [] })
// A "__proto__" member can only be written as JSON text: in an object literal it would set the prototype.
const lineText = fc.tuple(lineObject, fc.option(anyJson, { nil: undefined })).map(([obj, proto]) => {
  const json = JSON.stringify(obj)
  if (proto === undefined) return json
  return `{"__proto__":${JSON.stringify(proto)}${json === '{}' ? '}' : `,${json.slice(1)}`}`
})

test('property: parseSubscriptionLine never throws and returns ok or a listed reason, for near-valid objects', () => {
  fc.assert(fc.property(lineText, checkResult), { numRuns: 500, interruptAfterTimeLimit: 5000 })
})

test('property: parseSubscriptionLine never throws on arbitrary JSON values and strings', () => {
  fc.assert(fc.property(fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string({ unit: 'binary' }), fc.string()), checkResult), RUNS)
})

test('property: parseSubscriptionLine never throws on a valid line with one edit', () => {
  const valid = JSON.stringify({ endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: validP256dh[0], auth: validAuth[0] }, id: 1 })
  fc.assert(fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 3 }), (at, len, insert) => {
    checkResult(valid.slice(0, at) + insert + valid.slice(at + (len % 4)))
  }), RUNS)
})

test('property: strict base64 decoding round-trips both alphabets, with or without padding', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (arr) => {
    const bytes = Buffer.from(arr)
    for (const text of [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, '')]) {
      const r = decodeBase64Strict(text)
      assert.ok(r.ok, text)
      assert.deepEqual(r.bytes, bytes)
    }
  }), RUNS)
})

test('property: isP256Point agrees with OpenSSL on fresh keys, bit flips and random points', () => {
  const openssl = (k: Buffer): boolean => {
    try { ECDH.convertKey(k, 'prime256v1'); return k.length === 65 && k[0] === 0x04 } catch { return false }
  }
  const flipped = fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => {
    const k = createECDH('prime256v1').generateKeys()
    k[at]! ^= 1 << bit
    return k
  })
  const random = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((a) => Buffer.concat([Buffer.from([4]), a]))
  const fresh = fc.constant(null).map(() => createECDH('prime256v1').generateKeys())
  fc.assert(fc.property(fc.oneof(flipped, random, fresh), (k) => { assert.equal(isP256Point(k), openssl(k)) }), RUNS)
})
