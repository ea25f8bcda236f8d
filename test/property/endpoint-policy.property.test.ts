import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { checkEndpoint, compileEndpointPolicy } from '../../src/webpush/endpoint-policy.js'
import { isPrivateAddress } from '../../src/net/private-address.js'

const RUNS = { numRuns: 500, interruptAfterTimeLimit: 5000 }
const octet = fc.integer({ min: 0, max: 255 })
const quad = (a: number, b: number, c: number, d: number): string => `${a}.${b}.${c}.${d}`
const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16)

// First octets whose whole /8 is public unicast (no special-purpose block inside).
const PUBLIC_FIRST = [...Array(224).keys()].filter((a) => ![0, 10, 100, 127, 169, 172, 192, 198, 203].includes(a) && a >= 1)

test('property: every IPv4 address in 10/8, 127/8, 192.168/16 or 169.254/16 is private', () => {
  const priv = fc.oneof(
    fc.tuple(octet, octet, octet).map(([b, c, d]) => quad(10, b, c, d)),
    fc.tuple(octet, octet, octet).map(([b, c, d]) => quad(127, b, c, d)),
    fc.tuple(octet, octet).map(([c, d]) => quad(192, 168, c, d)),
    fc.tuple(octet, octet).map(([c, d]) => quad(169, 254, c, d)),
    fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => quad(172, b, c, d)),
    fc.tuple(fc.integer({ min: 224, max: 255 }), octet, octet, octet).map(([a, b, c, d]) => quad(a, b, c, d))
  )
  fc.assert(fc.property(priv, (ip) => { assert.equal(isPrivateAddress(ip), true, ip) }), RUNS)
})

test('property: IPv4 addresses from public /8s and global IPv6 unicast are not private', () => {
  const pub4 = fc.tuple(fc.constantFrom(...PUBLIC_FIRST), octet, octet, octet).map(([a, b, c, d]) => quad(a, b, c, d))
  // 2400::/6 .. 2c00::/6: allocated to RIRs, far from 2001:db8::/32 and 2002::/16.
  const pub6 = fc.tuple(fc.integer({ min: 0x2400, max: 0x2fff }), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }))
    .map(([first, rest]) => [first, ...rest].map((w) => w.toString(16)).join(':'))
  fc.assert(fc.property(fc.oneof(pub4, pub6), (ip) => { assert.equal(isPrivateAddress(ip), false, ip) }), RUNS)
})

test('property: IPv4-mapped, NAT64 and 6to4 forms are judged like the IPv4 address they carry', () => {
  fc.assert(fc.property(octet, octet, octet, octet, (a, b, c, d) => {
    const v4 = isPrivateAddress(quad(a, b, c, d))
    assert.equal(isPrivateAddress(`::ffff:${quad(a, b, c, d)}`), v4)
    assert.equal(isPrivateAddress(`::ffff:${hex(a, b)}:${hex(c, d)}`), v4)
    assert.equal(isPrivateAddress(`0:0:0:0:0:ffff:${hex(a, b)}:${hex(c, d)}`), v4)
    assert.equal(isPrivateAddress(`64:ff9b::${quad(a, b, c, d)}`), v4)
    assert.equal(isPrivateAddress(`2002:${hex(a, b)}:${hex(c, d)}::1`), v4)
  }), RUNS)
})

test('property: checkEndpoint never accepts a host outside the defaults and the user patterns', () => {
  const policy = compileEndpointPolicy({ allowHosts: ['push.example.org', '*.corp.example'] })
  const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/).filter((l) => !l.startsWith('xn--')) // URL refuses invalid punycode
  const host = fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
    fc.array(label, { minLength: 1, maxLength: 2 }).map((l) => `${l.join('.')}.corp.example`),
    fc.array(label, { minLength: 1, maxLength: 2 }).map((l) => `${l.join('.')}.googleapis.com`),
    fc.constantFrom('push.example.org', 'corp.example', 'googleapis.com', 'fcm.googleapis.com', 'evilcorp.example'),
    fc.tuple(octet, octet, octet, octet).map(([a, b, c, d]) => quad(a, b, c, d))
  )
  const allowed = (h: string): boolean => h === 'push.example.org' || h.endsWith('.corp.example') ||
    h.endsWith('.googleapis.com') || h.endsWith('.push.services.mozilla.com') || h.endsWith('.push.apple.com') || h.endsWith('.notify.windows.com')
  fc.assert(fc.property(host, fc.constantFrom('http', 'https'), (h, scheme) => {
    const r = checkEndpoint(new URL(`${scheme}://${h}/p`), policy)
    if (r.ok) {
      assert.ok(allowed(h), h)
      assert.ok(scheme === 'https' || h === 'push.example.org' || h.endsWith('.corp.example'), `${scheme}://${h}`)
    }
    if (allowed(h) && scheme === 'https') assert.ok(r.ok, h)
  }), RUNS)
})
