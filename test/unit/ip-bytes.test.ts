import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ipToBytes } from '../../src/net/ip-bytes.js'

const hex = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : Buffer.from(b).toString('hex')

// The WHATWG URL parser canonicalises IPv6 hosts independently of our code, so two spellings
// denote the same address exactly when their bracketed hostnames match.
const canonical = (ip: string): string => new URL(`http://[${ip}]/`).hostname

test('IPv4 literals become 4 bytes', () => {
  assert.equal(hex(ipToBytes('127.0.0.1')), '7f000001')
  assert.equal(hex(ipToBytes('255.0.10.1')), 'ff000a01')
})

test('IPv6 literals become 16 bytes, compressed and IPv4-tailed forms included', () => {
  assert.equal(hex(ipToBytes('::1')), '00000000000000000000000000000001')
  assert.equal(hex(ipToBytes('::')), '00000000000000000000000000000000')
  assert.equal(hex(ipToBytes('fe80::1:2')), 'fe800000000000000000000000010002')
  assert.equal(hex(ipToBytes('1:2:3:4:5:6:7:8')), '00010002000300040005000600070008')
  assert.equal(hex(ipToBytes('::ffff:127.0.0.1')), '00000000000000000000ffff7f000001')
  assert.equal(hex(ipToBytes('1::2:3.4.5.6')), '00010000000000000000000203040506')
  assert.equal(hex(ipToBytes('2001:DB8::')), '20010db8000000000000000000000000')
})

test('non-addresses and zone ids are rejected', () => {
  for (const bad of ['', 'localhost', '1.2.3', '256.1.1.1', '::1::', 'fe80::1%eth0', '[::1]']) {
    assert.equal(ipToBytes(bad), undefined, bad)
  }
})

test('every IPv6 spelling round-trips through its bytes', () => {
  fc.assert(fc.property(fc.ipV6(), (ip) => {
    const bytes = ipToBytes(ip)
    assert.ok(bytes !== undefined && bytes.length === 16, ip)
    const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) * 256 + (bytes[2 * i + 1] ?? 0)).toString(16))
    assert.equal(canonical(groups.join(':')), canonical(ip))
  }))
})

test('every IPv4 address round-trips through its bytes', () => {
  fc.assert(fc.property(fc.ipV4(), (ip) => {
    assert.equal(Array.from(ipToBytes(ip) ?? []).join('.'), ip)
  }))
})
