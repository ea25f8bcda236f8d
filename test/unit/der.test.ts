import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  bitString, boolean, encodeLength, explicit, generalizedTime, implicit, integer, octetString, oid, printableString,
  sequence, set, utcTime, utf8String, x509Time
} from '../../src/tls/der.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

test('lengths use the short form below 128 and minimal long form above', () => {
  assert.equal(hex(encodeLength(0)), '00')
  assert.equal(hex(encodeLength(127)), '7f')
  assert.equal(hex(encodeLength(128)), '8180')
  assert.equal(hex(encodeLength(200)), '81c8')
  assert.equal(hex(encodeLength(256)), '820100')
  assert.equal(hex(encodeLength(65_536)), '83010000')
  assert.throws(() => encodeLength(-1), RangeError)
})

test('integers are minimal two\'s complement and never read as negative', () => {
  assert.equal(hex(integer(0)), '020100')
  assert.equal(hex(integer(2)), '020102')
  assert.equal(hex(integer(127)), '02017f')
  assert.equal(hex(integer(128)), '02020080')
  assert.equal(hex(integer(256)), '02020100')
  assert.equal(hex(integer(Uint8Array.from([0, 0, 0x01]))), '020101')
  assert.equal(hex(integer(Uint8Array.from([0xff, 0x01]))), '020300ff01')
  assert.equal(hex(integer(new Uint8Array(0))), '020100')
  assert.throws(() => integer(-1), RangeError)
  assert.throws(() => integer(1.5), RangeError)
})

test('integer(number) and integer(bytes) agree on every safe integer', () => {
  fc.assert(fc.property(fc.maxSafeNat(), (n) => {
    const bytes = Buffer.from(n.toString(16).padStart(16, '0'), 'hex')
    assert.deepEqual(integer(n), integer(bytes))
  }))
})

test('OIDs encode the first two arcs together and the rest base-128', () => {
  assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302')
  assert.equal(hex(oid('2.5.29.17')), '0603551d11')
  assert.equal(hex(oid('1.3.6.1.5.5.7.3.1')), '06082b06010505070301')
  assert.equal(hex(oid('2.999')), '06028837')
  assert.throws(() => oid('1'), RangeError)
  assert.throws(() => oid('1.40'), RangeError)
  assert.throws(() => oid('3.1'), RangeError)
  assert.throws(() => oid('1.2.x'), RangeError)
})

test('strings, booleans, octet and bit strings', () => {
  assert.equal(hex(utf8String('é')), '0c02c3a9')
  assert.equal(hex(printableString('Ab 1')), '130441622031')
  assert.throws(() => printableString('a@b'), RangeError)
  assert.equal(hex(boolean(true)), '0101ff')
  assert.equal(hex(boolean(false)), '010100')
  assert.equal(hex(octetString(Uint8Array.from([1, 2]))), '04020102')
  assert.equal(hex(bitString(Uint8Array.from([0x84]), 2)), '03020284')
  assert.equal(hex(bitString(new Uint8Array(0))), '030100')
  assert.throws(() => bitString(Uint8Array.from([1]), 8), RangeError)
})

test('times: UTCTime through 2049, GeneralizedTime after, whole seconds in UTC', () => {
  const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))
  assert.equal(utcTime(d).subarray(2).toString('latin1'), '240102030405Z')
  assert.equal(generalizedTime(d).subarray(2).toString('latin1'), '20240102030405Z')
  assert.equal(x509Time(d)[0], 0x17)
  assert.equal(x509Time(new Date(Date.UTC(2050, 0, 1)))[0], 0x18)
  assert.equal(x509Time(new Date(Date.UTC(1949, 11, 31)))[0], 0x18)
  assert.throws(() => utcTime(new Date(Date.UTC(2050, 0, 1))), RangeError)
  assert.throws(() => utcTime(new Date(Number.NaN)), RangeError)
})

test('constructed types: sequence, DER-sorted set, explicit and implicit tags', () => {
  assert.equal(hex(sequence(integer(1), integer(2))), '3006020101020102')
  assert.equal(hex(set(integer(2), integer(1))), '3106020101020102')
  assert.equal(hex(explicit(0, integer(2))), 'a003020102')
  assert.equal(hex(explicit(3, sequence())), 'a3023000')
  assert.equal(hex(implicit(7, Uint8Array.from([127, 0, 0, 1]))), '87047f000001')
  assert.throws(() => explicit(31, integer(0)), RangeError)
  const long = sequence(octetString(Buffer.alloc(300)))
  assert.equal(hex(long.subarray(0, 8)), '308201300482012c')
  assert.equal(long.length, 4 + 4 + 300)
})
