import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeBase64Url, encodeBase64Url } from '../../src/webpush/base64url.js'

test('encodes without padding in the URL-safe alphabet', () => {
  assert.equal(encodeBase64Url(Buffer.from([0xfb, 0xff, 0xfe])), '-__-')
  assert.equal(encodeBase64Url(Buffer.from('ab')), 'YWI')
  assert.equal(encodeBase64Url(new Uint8Array(0)), '')
  const backing = Buffer.from('xxabxx')
  assert.equal(encodeBase64Url(new Uint8Array(backing.buffer, backing.byteOffset + 2, 2)), 'YWI')
})

test('decodes base64url, tolerates trailing padding and the standard alphabet', () => {
  assert.deepEqual(decodeBase64Url('-__-', 'auth'), Buffer.from([0xfb, 0xff, 0xfe]))
  assert.deepEqual(decodeBase64Url('+//+', 'auth'), Buffer.from([0xfb, 0xff, 0xfe]))
  assert.deepEqual(decodeBase64Url('YWI=', 'auth'), Buffer.from('ab'))
  assert.deepEqual(decodeBase64Url('YQ==', 'auth'), Buffer.from('a'))
  assert.deepEqual(decodeBase64Url('', 'auth'), Buffer.alloc(0))
})

test('rejects what Buffer would silently skip, naming the field but not the value', () => {
  const cases: Array<[string, RegExp]> = [
    ['YWJj ZGVm', /index 4 is outside the base64url alphabet/],
    ['YWJj\nZGVm', /index 4 is outside/],
    ['YW.j', /index 2 is outside/],
    ['YWJjä', /index 4 is outside/],
    ['YW=I', /index 2 is outside/],
    ['YWJjZ', /length of 5 is impossible/],
    ['Y', /length of 1 is impossible/],
    ['YWI==', /misplaced '=' padding/],
    ['YQ===', /misplaced '=' padding/],
    ['YQ=', /misplaced '=' padding/]
  ]
  for (const [input, message] of cases) {
    assert.throws(() => decodeBase64Url(input, 'p256dh'), (err: unknown) => {
      assert.ok(err instanceof TypeError, input)
      assert.match(err.message, /^p256dh is not valid base64url: /)
      assert.match(err.message, message, input)
      assert.ok(!err.message.includes(input), `message echoes the input ${JSON.stringify(input)}`)
      return true
    })
  }
})

test('property: encode then decode is the identity', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    assert.deepEqual(new Uint8Array(decodeBase64Url(encodeBase64Url(bytes), 'x')), bytes)
  }))
})

test('property: any string decodes consistently with Buffer or throws TypeError', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AZaz09-_+/= .'.split('')), maxLength: 40 }), (s) => {
    let out: Buffer
    try {
      out = decodeBase64Url(s, 'x')
    } catch (err) {
      assert.ok(err instanceof TypeError)
      return
    }
    assert.deepEqual(out, Buffer.from(s, 'base64url'))
    assert.equal(out.length, Math.floor(s.replace(/=+$/, '').length * 3 / 4))
  }))
})
