import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'

const HOUR_MS = 3_600_000

test('each certificate has its own subject, so several can share one CA bundle', () => {
  const a = new X509Certificate(generateSelfSignedCertificate().cert)
  const b = new X509Certificate(generateSelfSignedCertificate().cert)
  assert.notEqual(a.subject, b.subject)
})

test('the certificate parses and carries the subject, SAN and self-signature', () => {
  const { cert, key } = generateSelfSignedCertificate()
  const x509 = new X509Certificate(cert)
  assert.match(x509.subject, /^CN=notify-sender self-signed [0-9a-f]{12}$/)
  assert.equal(x509.issuer, x509.subject)
  assert.equal(x509.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
  assert.equal(x509.checkHost('localhost'), 'localhost')
  assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1')
  assert.equal(x509.checkIP('::1'), '::1')
  assert.equal(x509.checkIP('127.0.0.2'), undefined)
  assert.equal(x509.checkHost('example.com'), undefined)
  assert.equal(x509.verify(x509.publicKey), true)
  assert.equal(x509.checkIssued(x509), true)
  assert.equal(x509.ca, true)
  assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.1'])
  // The key really is the certificate's: same public half.
  const pub = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' })
  assert.deepEqual(x509.publicKey.export({ type: 'spki', format: 'der' }), pub)
  assert.equal(x509.publicKey.asymmetricKeyType, 'ec')
  assert.deepEqual(x509.publicKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' })
})

test('extra hosts are added after the defaults, IPs as iPAddress and names as dNSName', () => {
  const { cert } = generateSelfSignedCertificate({ hosts: ['127.0.0.2', 'push.test', '::ffff:127.0.0.3', 'LOCALHOST'] })
  const x509 = new X509Certificate(cert)
  const san = x509.subjectAltName ?? ''
  for (const entry of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:127.0.0.2', 'DNS:push.test']) {
    assert.ok(san.split(', ').includes(entry), `${entry} missing from ${san}`)
  }
  assert.equal(san.split(', ').filter((e) => e.toLowerCase() === 'dns:localhost').length, 1, 'duplicates are dropped')
  assert.equal(x509.checkIP('127.0.0.2'), '127.0.0.2')
  assert.equal(x509.checkHost('push.test'), 'push.test')
})

test('validity starts an hour back and lasts the requested days', () => {
  const before = Date.now()
  const x509 = new X509Certificate(generateSelfSignedCertificate({ days: 2 }).cert)
  const after = Date.now()
  const from = Date.parse(x509.validFrom)
  const to = Date.parse(x509.validTo)
  // Whole seconds in the certificate, hence the one-second slack on each side.
  assert.ok(from >= before - HOUR_MS - 1000 && from <= after - HOUR_MS, x509.validFrom)
  assert.ok(to >= before + 2 * 24 * HOUR_MS - 1000 && to <= after + 2 * 24 * HOUR_MS, x509.validTo)
  const defaults = new X509Certificate(generateSelfSignedCertificate().cert)
  assert.ok(Date.parse(defaults.validTo) - Date.parse(defaults.validFrom) >= 30 * 24 * HOUR_MS)
})

test('serials are random, positive and 16 bytes long', () => {
  const serials = new Set<string>()
  for (let i = 0; i < 20; i++) {
    const serial = new X509Certificate(generateSelfSignedCertificate().cert).serialNumber
    assert.match(serial, /^[0-7][0-9A-F]{31}$/)
    serials.add(serial)
  }
  assert.equal(serials.size, 20)
})

test('the common name is configurable', () => {
  const x509 = new X509Certificate(generateSelfSignedCertificate({ commonName: 'Simulated Push Service' }).cert)
  assert.equal(x509.subject, 'CN=Simulated Push Service')
})

test('bad options are refused with NS_ERR_INVALID_OPTION', () => {
  for (const options of [{ days: 0 }, { days: Number.NaN }, { days: -1 }, { commonName: '' }, { hosts: ['bad host'] },
    { hosts: ['fe80::1%eth0'] }, { hosts: ['a..b'] }, { hosts: ['-x.test'] }, { hosts: ['ünï.test'] }]) {
    assert.throws(() => generateSelfSignedCertificate(options), { code: 'NS_ERR_INVALID_OPTION' }, JSON.stringify(options))
  }
})

test('a key pair and a signature per call: cheap enough for every test', () => {
  // Not a timing assertion: only a sanity check that many generations complete and all differ.
  const keys = new Set(Array.from({ length: 50 }, () => generateSelfSignedCertificate().key))
  assert.equal(keys.size, 50)
})
