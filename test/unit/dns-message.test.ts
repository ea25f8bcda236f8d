import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DNS_TYPE, encodeQuery, encodeResponse, MAX_UDP_RESPONSE, parseQuery, RCODE } from '../helpers/dns-message.js'

test('a query round-trips: name lower-cased, question kept byte for byte', () => {
  const msg = encodeQuery(0x1234, 'Push.Example.TEST', DNS_TYPE.AAAA)
  const q = parseQuery(msg)
  assert.ok(q !== undefined)
  assert.equal(q.id, 0x1234)
  assert.equal(q.name, 'push.example.test')
  assert.equal(q.type, DNS_TYPE.AAAA)
  assert.equal(q.klass, 1)
  assert.equal(q.recursionDesired, true)
  assert.deepEqual(q.question, msg.subarray(12))
})

test('the response header, echoed question and compressed answer are laid out per RFC 1035', () => {
  const q = parseQuery(encodeQuery(7, 'a.test', DNS_TYPE.A))
  assert.ok(q !== undefined)
  const res = encodeResponse(q, RCODE.NOERROR, [{ type: DNS_TYPE.A, ttl: 300, data: Uint8Array.from([127, 0, 0, 2]) }])
  assert.equal(res.readUInt16BE(0), 7)
  assert.equal(res.readUInt16BE(2), 0x8500, 'QR, AA, RD; RA clear; NOERROR')
  assert.deepEqual([res.readUInt16BE(4), res.readUInt16BE(6), res.readUInt16BE(8), res.readUInt16BE(10)], [1, 1, 0, 0])
  const answer = res.subarray(12 + q.question.length)
  assert.equal(answer.toString('hex'), 'c00c' + '0001' + '0001' + '0000012c' + '0004' + '7f000002')
  const nx = encodeResponse(q, RCODE.NXDOMAIN)
  assert.equal(nx.readUInt16BE(2) & 0x0f, 3)
  assert.equal(nx.readUInt16BE(6), 0)
})

test('answers that would not fit in 512 bytes are dropped and TC set', () => {
  const q = parseQuery(encodeQuery(1, 'big.test', DNS_TYPE.AAAA))
  assert.ok(q !== undefined)
  const answers = Array.from({ length: 40 }, () => ({ type: DNS_TYPE.AAAA, ttl: 1, data: new Uint8Array(16) }))
  const res = encodeResponse(q, RCODE.NOERROR, answers)
  assert.ok(res.length <= MAX_UDP_RESPONSE)
  assert.equal(res.readUInt16BE(2) & 0x0200, 0x0200)
  assert.equal(res.readUInt16BE(6), 0)
})

test('malformed input and responses are not queries', () => {
  const good = encodeQuery(1, 'a.test', DNS_TYPE.A)
  assert.equal(parseQuery(Buffer.alloc(5)), undefined, 'short header')
  assert.equal(parseQuery(good.subarray(0, good.length - 1)), undefined, 'truncated question')
  const response = Buffer.from(good)
  response[2] = (response[2] ?? 0) | 0x80
  assert.equal(parseQuery(response), undefined, 'QR set')
  const pointer = Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])])
  assert.equal(parseQuery(pointer), undefined, 'compressed question')
  const longName = encodeQuery(1, Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'), DNS_TYPE.A)
  assert.equal(parseQuery(longName), undefined, 'name over 255 bytes')
  const twoQuestions = Buffer.from(good)
  twoQuestions.writeUInt16BE(2, 4)
  assert.equal(parseQuery(twoQuestions)?.questionCount, 2)
})

test('parseQuery never throws on arbitrary bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
    parseQuery(Buffer.from(bytes))
  }), { numRuns: 2000 })
})
