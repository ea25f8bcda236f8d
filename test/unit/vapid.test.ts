import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey } from 'node:crypto'
import { SignJWT, importJWK, jwtVerify } from 'jose'
import { VapidSigner, audienceOf, validateSubject } from '../../src/webpush/vapid.js'
import { VapidVerificationError, vapidSignatureVerifications, verifyVapidAuthorization } from '../../src/webpush/vapid-verify.js'
import { generateVapidKeys } from '../../src/webpush/keys.js'

const AUD = 'https://push.example.net'
const NOW = 1_700_000_000_000
const keys = generateVapidKeys()
const publicKey = Buffer.from(keys.publicKey, 'base64url')
const privateKey = Buffer.from(keys.privateKey, 'base64url')
const subject = 'mailto:ops@example.com'
const newSigner = (extra: { tokenTtlSeconds?: number, refreshBeforeSeconds?: number } = {}): VapidSigner =>
  new VapidSigner({ publicKey, privateKey, subject, ...extra })

function parse (header: string): { t: string, k: string } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header)
  assert.ok(m !== null, `unexpected header shape: ${header}`)
  return { t: m[1] ?? '', k: m[2] ?? '' }
}

test('authorization() yields a vapid header whose JWT verifies with jose, exact header and claims', async () => {
  const header = newSigner().authorization(AUD, NOW)
  const { t, k } = parse(header)
  assert.equal(k, keys.publicKey)
  assert.equal(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString(), '{"typ":"JWT","alg":"ES256"}')
  assert.equal(Buffer.from(t.split('.')[2] ?? '', 'base64url').length, 64, 'raw r||s signature')
  const jwk = await importJWK({ kty: 'EC', crv: 'P-256', x: publicKey.subarray(1, 33).toString('base64url'), y: publicKey.subarray(33).toString('base64url') }, 'ES256')
  const { payload, protectedHeader } = await jwtVerify(t, jwk, { algorithms: ['ES256'], audience: AUD, currentDate: new Date(NOW) })
  assert.deepEqual(protectedHeader, { typ: 'JWT', alg: 'ES256' })
  assert.deepEqual(payload, { aud: AUD, exp: NOW / 1000 + 12 * 3600, sub: subject })
})

test('verifyVapidAuthorization accepts the signer output and returns key and claims', () => {
  const header = newSigner().authorization(AUD, NOW)
  const verified = verifyVapidAuthorization(header, AUD, NOW + 1000)
  assert.deepEqual(verified.publicKey, publicKey)
  assert.deepEqual(verified.claims, { aud: AUD, exp: NOW / 1000 + 43200, sub: subject })
})

test('exp is now + 12 h by default and follows tokenTtlSeconds', () => {
  const exp = (header: string): unknown => JSON.parse(Buffer.from(parse(header).t.split('.')[1] ?? '', 'base64url').toString()).exp
  const realNow = Date.now()
  const e = exp(newSigner().authorization(AUD)) as number
  assert.ok(Math.abs(e - (realNow / 1000 + 43200)) < 60, `exp ${e} not about now + 12 h`)
  assert.equal(exp(newSigner({ tokenTtlSeconds: 3600 }).authorization(AUD, NOW)), NOW / 1000 + 3600)
  assert.equal(exp(newSigner({ tokenTtlSeconds: 86400 }).authorization(AUD, NOW + 999)), NOW / 1000 + 86400, 'exp rounds now down to seconds')
  for (const bad of [0, 86401, 1.5, Number.NaN]) {
    assert.throws(() => newSigner({ tokenTtlSeconds: bad }), { code: 'NS_ERR_INVALID_OPTION', message: /tokenTtlSeconds/ })
  }
  assert.throws(() => newSigner({ tokenTtlSeconds: 3600, refreshBeforeSeconds: 3600 }), { code: 'NS_ERR_INVALID_OPTION', message: /refreshBeforeSeconds/ })
  assert.throws(() => newSigner({ refreshBeforeSeconds: -1 }), { code: 'NS_ERR_INVALID_OPTION', message: /refreshBeforeSeconds/ })
})

test('tokens are cached per audience', () => {
  const signer = newSigner()
  const first = signer.authorization(AUD, NOW)
  for (let i = 0; i < 1000; i++) assert.equal(signer.authorization(AUD, NOW + i * 1000), first)
  assert.equal(signer.signatures, 1)
  const other = signer.authorization('https://fcm.googleapis.com', NOW)
  assert.notEqual(other, first)
  assert.equal(signer.authorization(AUD, NOW), first)
  assert.equal(signer.signatures, 2)
})

test('a cached token is re-signed once less than refreshBeforeSeconds remain', () => {
  const signer = newSigner()
  const first = signer.authorization(AUD, NOW)
  const refreshAt = NOW + (12 - 1) * 3600 * 1000
  assert.equal(signer.authorization(AUD, refreshAt), first, 'exactly 1 h left still reuses')
  assert.equal(signer.signatures, 1)
  const second = signer.authorization(AUD, refreshAt + 1)
  assert.notEqual(second, first)
  assert.equal(signer.signatures, 2)
  assert.equal(verifyVapidAuthorization(second, AUD, refreshAt + 1).claims.exp, Math.floor((refreshAt + 1) / 1000) + 43200)
  assert.equal(signer.authorization(AUD, refreshAt + 2), second)
  const custom = newSigner({ refreshBeforeSeconds: 0 })
  custom.authorization(AUD, NOW)
  custom.authorization(AUD, NOW + 43200 * 1000 - 1)
  assert.equal(custom.signatures, 1)
  custom.authorization(AUD, NOW + 43200 * 1000 + 1)
  assert.equal(custom.signatures, 2)
})

test('a clock that steps backwards gets a fresh token', () => {
  const signer = newSigner()
  signer.authorization(AUD, NOW)
  const earlier = signer.authorization(AUD, NOW - 10 * 3600 * 1000)
  assert.equal(signer.signatures, 2)
  verifyVapidAuthorization(earlier, AUD, NOW - 10 * 3600 * 1000)
})

test('audiences must be origins; audienceOf derives them from endpoints', () => {
  assert.equal(audienceOf('https://fcm.googleapis.com/fcm/send/abc:def'), 'https://fcm.googleapis.com')
  assert.equal(audienceOf('https://updates.push.services.mozilla.com:443/wpush/v2/x'), 'https://updates.push.services.mozilla.com')
  assert.equal(audienceOf(new URL('https://Push.Example.net:8443/a?b')), 'https://push.example.net:8443')
  assert.equal(audienceOf('http://127.0.0.1:8080/push/1'), 'http://127.0.0.1:8080')
  assert.throws(() => audienceOf('not a url'), { name: 'TypeError', message: /not a valid URL/ })
  assert.throws(() => audienceOf('ftp://push.example.net/x'), { name: 'TypeError', message: /https: URL, got ftp:/ })
  const signer = newSigner()
  for (const bad of ['https://push.example.net/', 'https://push.example.net/path', 'https://Push.example.net', 'push.example.net', 'ftp://push.example.net']) {
    assert.throws(() => signer.authorization(bad, NOW), { name: 'TypeError', message: /audience must be an origin/ }, bad)
  }
  assert.equal(signer.signatures, 0)
})

test('validateSubject accepts mailto: addresses and https: URLs only', () => {
  for (const good of ['mailto:ops@example.com', 'https://example.com/contact', 'mailto:first.last+push@mail.example.co.uk']) {
    assert.doesNotThrow(() => validateSubject(good), good)
  }
  const bad: Array<[string, RegExp]> = [
    ['mailto: ops@example.com', /spaces/],
    ['mailto:ops@example.com ', /spaces/],
    ['mailto:ops@localhost', /localhost/],
    ['mailto:ops@LOCALHOST', /localhost/],
    ['mailto:ops@app.localhost', /localhost/],
    ['mailto:ops', /one e-mail address/],
    ['mailto:ops@example', /implausible e-mail domain/],
    ['ops@example.com', /mailto: address or an https: URL/],
    ['', /empty/],
    ['http://example.com', /mailto: address or an https: URL/],
    ['https://', /not a valid https: URL/]
  ]
  for (const [value, message] of bad) {
    assert.throws(() => validateSubject(value), (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, 'NS_ERR_INVALID_OPTION', value)
      assert.match((err as Error).message, /^--subject /)
      assert.match((err as Error).message, message, value)
      return true
    })
  }
  assert.throws(() => new VapidSigner({ publicKey, privateKey, subject: 'mailto:ops@localhost' }), { code: 'NS_ERR_INVALID_OPTION' })
})

test('mismatched or malformed keys are NS_ERR_SECRET without key material in the message', () => {
  const other = generateVapidKeys()
  const cases: Array<[Buffer, Buffer, RegExp]> = [
    [Buffer.from(other.publicKey, 'base64url'), privateKey, /does not belong to the private key/],
    [publicKey.subarray(1), privateKey, /65-byte uncompressed P-256 point, got 64 bytes/],
    [publicKey, privateKey.subarray(1), /must be 32 bytes, got 31/],
    [publicKey, Buffer.alloc(32), /not a valid P-256 private key/]
  ]
  for (const [pub, priv, message] of cases) {
    assert.throws(() => new VapidSigner({ publicKey: pub, privateKey: priv, subject }), (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, 'NS_ERR_SECRET')
      const text = (err as Error).message
      assert.match(text, message)
      for (const secret of [keys.privateKey, privateKey.toString('hex'), privateKey.toString('base64')]) {
        assert.ok(!text.includes(secret), 'message leaks the private key')
      }
      return true
    })
  }
})

function expectRejected (header: string, audience: string, nowMs: number, message: RegExp): void {
  assert.throws(() => verifyVapidAuthorization(header, audience, nowMs), (err: unknown) => {
    assert.ok(err instanceof VapidVerificationError, String(err))
    assert.match(err.message, message)
    return true
  })
}

test('verifyVapidAuthorization rejects wrong aud, expired and over-long tokens, even when cached', () => {
  const header = newSigner().authorization(AUD, NOW)
  verifyVapidAuthorization(header, AUD, NOW) // now cached as verified
  expectRejected(header, 'https://fcm.googleapis.com', NOW, /aud claim "https:\/\/push.example.net" is not this push service's origin/)
  expectRejected(header, AUD, NOW + 12 * 3600 * 1000, /token expired/)
  const long = newSigner({ tokenTtlSeconds: 86400 }).authorization(AUD, NOW)
  verifyVapidAuthorization(long, AUD, NOW)
  expectRejected(long, AUD, NOW - 1000, /more than 24 h in the future/)
})

test('verifyVapidAuthorization rejects tampered tokens, foreign keys and malformed headers', async () => {
  const header = newSigner().authorization(AUD, NOW)
  const { t, k } = parse(header)
  const [h, c, s] = t.split('.') as [string, string, string]
  const flip = (str: string, i: number): string => str.slice(0, i) + (str[i] === 'A' ? 'B' : 'A') + str.slice(i + 1)
  expectRejected(`vapid t=${h}.${c}.${flip(s, 10)}, k=${k}`, AUD, NOW, /signature does not verify/)
  const forged = Buffer.from(JSON.stringify({ aud: AUD, exp: NOW / 1000 + 60, sub: 'mailto:evil@example.com' })).toString('base64url')
  expectRejected(`vapid t=${h}.${forged}.${s}, k=${k}`, AUD, NOW, /signature does not verify/)
  expectRejected(`vapid t=${t}, k=${generateVapidKeys().publicKey}`, AUD, NOW, /signature does not verify with the k= key/)
  expectRejected(`vapid t=${t}, k=${k.slice(0, -4)}`, AUD, NOW, /k must be a 65-byte uncompressed P-256 public key, got 62 bytes/)
  expectRejected(`vapid t=${t}, k=${k.slice(0, -2)}`, AUD, NOW, /k is not valid base64url/)
  expectRejected(`vapid t=${t}, k=B${'A'.repeat(86)}`, AUD, NOW, /k is not a point on the P-256 curve/)
  expectRejected(`vapid t=${t}`, AUD, NOW, /k= parameter .* is missing/)
  expectRejected(`vapid k=${k}`, AUD, NOW, /t= parameter .* is missing/)
  expectRejected(`vapid t=${t}, t=${t}, k=${k}`, AUD, NOW, /each once/)
  expectRejected(`WebPush ${t}`, AUD, NOW, /scheme must be "vapid", got "WebPush"/)
  expectRejected(`vapid t=${h}.${c}, k=${k}`, AUD, NOW, /3 segments, got 2/)
  expectRejected(`vapid t=${h}.${c}.${s}AAAA, k=${k}`, AUD, NOW, /64 bytes \(raw r\|\|s, not DER\), got 67/)

  const key = createPrivateKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', d: keys.privateKey, x: publicKey.subarray(1, 33).toString('base64url'), y: publicKey.subarray(33).toString('base64url') } })
  const jwt = async (claims: Record<string, unknown>, alg = 'ES256'): Promise<string> =>
    `vapid t=${await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg }).sign(key)}, k=${k}`
  const exp = NOW / 1000 + 3600
  assert.equal(verifyVapidAuthorization(await jwt({ aud: AUD, exp, sub: 'https://example.com/contact' }), AUD, NOW).claims.sub, 'https://example.com/contact')
  expectRejected(await jwt({ aud: AUD, exp }), AUD, NOW, /sub claim is missing/)
  expectRejected(await jwt({ aud: AUD, exp, sub: 'mailto: ops@example.com' }), AUD, NOW, /sub claim must not contain spaces/)
  expectRejected(await jwt({ aud: AUD, exp, sub: 'mailto:ops@localhost' }), AUD, NOW, /sub claim must not be an @localhost/)
  expectRejected(await jwt({ aud: AUD, sub: subject }), AUD, NOW, /exp claim is missing/)
  expectRejected(await jwt({ exp, sub: subject }), AUD, NOW, /aud claim is missing/)
  const es384 = `vapid t=${Buffer.from('{"typ":"JWT","alg":"ES384"}').toString('base64url')}.${c}.${s}, k=${k}`
  expectRejected(es384, AUD, NOW, /alg must be ES256, got "ES384"/)
})

test('vapidSignatureVerifications counts real signature checks, not cache hits or pre-signature rejections', () => {
  const header = newSigner().authorization('https://counter.example.net', NOW)
  const before = vapidSignatureVerifications()
  verifyVapidAuthorization(header, 'https://counter.example.net', NOW)
  verifyVapidAuthorization(header, 'https://counter.example.net', NOW)
  assert.equal(vapidSignatureVerifications() - before, 1, 'the second call is a cache hit')
  const { t, k } = parse(header)
  const s = t.split('.')[2] ?? ''
  const tampered = `vapid t=${t.slice(0, -s.length)}${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}, k=${k}`
  expectRejected(tampered, 'https://counter.example.net', NOW, /signature does not verify/)
  expectRejected(tampered, 'https://counter.example.net', NOW, /signature does not verify/)
  expectRejected('vapid t=a.b, k=x', 'https://counter.example.net', NOW, /3 segments/)
  assert.equal(vapidSignatureVerifications() - before, 3, 'failed signatures are not cached, malformed headers never reach verify()')
})
