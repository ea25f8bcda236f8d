import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkEndpoint, compileEndpointPolicy, DEFAULT_PUSH_HOSTS } from '../../src/webpush/endpoint-policy.js'
import { isPrivateAddress } from '../../src/net/private-address.js'
import { ipv6Words } from '../../src/net/ip-bytes.js'

const defaults = compileEndpointPolicy({})

function verdict (url: string, policy = defaults): string {
  const r = checkEndpoint(new URL(url), policy)
  return r.ok ? 'ok' : r.reason
}

test('the default policy accepts the browsers\' push services on https:443 only', () => {
  const table: Array<[string, string]> = [
    ['https://fcm.googleapis.com/fcm/send/abc', 'ok'],
    ['https://android.googleapis.com/gcm/send/abc', 'ok'],
    ['https://updates.push.services.mozilla.com/wpush/v2/abc', 'ok'],
    ['https://web.push.apple.com/abc', 'ok'],
    ['https://db5p.notify.windows.com/w/?token=abc', 'ok'],
    ['https://FCM.GoogleAPIs.com./fcm/send/abc', 'ok'], // case and trailing dot normalised
    ['https://fcm.googleapis.com:443/x', 'ok'],
    ['https://fcm.googleapis.com:8443/x', 'host-not-allowed'],
    ['https://googleapis.com/x', 'host-not-allowed'], // *.suffix means sub-domains only
    ['https://push.apple.com/x', 'host-not-allowed'],
    ['https://evilgoogleapis.com/x', 'host-not-allowed'],
    ['https://fcm.googleapis.com.evil.com/x', 'host-not-allowed'],
    ['https://example.com/x', 'host-not-allowed'],
    ['https://127.0.0.1/x', 'host-not-allowed'],
    ['https://[::1]/x', 'host-not-allowed'],
    ['http://fcm.googleapis.com/x', 'endpoint-not-https'],
    ['ftp://fcm.googleapis.com/x', 'endpoint-not-https'],
    ['https://user:pw@fcm.googleapis.com/x', 'bad-endpoint'],
    ['https://user@fcm.googleapis.com/x', 'bad-endpoint']
  ]
  for (const [url, expected] of table) assert.equal(verdict(url), expected, url)
})

test('user patterns: exact, *.suffix, :port, IP literals, and http for named hosts', () => {
  const policy = compileEndpointPolicy({
    allowHosts: ['push.example.org', '*.corp.example', 'localhost:8090', '127.0.0.1:8090', '[::1]:8443', 'BÜCHER.example'],
    allowPrivate: true
  })
  const table: Array<[string, string]> = [
    ['https://push.example.org/x', 'ok'],
    ['https://push.example.org:9999/x', 'ok'], // no port in the pattern: any port
    ['http://push.example.org/x', 'ok'], // user-named hosts may use http
    ['https://a.corp.example/x', 'ok'],
    ['http://a.b.corp.example/x', 'ok'],
    ['https://corp.example/x', 'host-not-allowed'],
    ['http://localhost:8090/x', 'ok'],
    ['http://localhost:8091/x', 'host-not-allowed'],
    ['http://127.0.0.1:8090/x', 'ok'],
    ['http://0x7f.0.0.1:8090/x', 'ok'], // URL canonicalises IPv4 forms
    ['http://127.0.0.2:8090/x', 'host-not-allowed'],
    ['https://[::1]:8443/x', 'ok'],
    ['https://[0:0::1]:8443/x', 'ok'],
    ['https://xn--bcher-kva.example/x', 'ok'], // IDN compared in punycode
    ['https://fcm.googleapis.com/x', 'ok'], // defaults still apply
    ['http://fcm.googleapis.com/x', 'endpoint-not-https']
  ]
  for (const [url, expected] of table) assert.equal(verdict(url, policy), expected, url)
})

test('"*" allows any host name over https, but no IP literal and no http', () => {
  const policy = compileEndpointPolicy({ allowHosts: ['*', 'local.test'] })
  assert.equal(verdict('https://anything.example/x', policy), 'ok')
  assert.equal(verdict('https://anything.example:8443/x', policy), 'ok')
  assert.equal(verdict('http://anything.example/x', policy), 'endpoint-not-https')
  assert.equal(verdict('https://8.8.8.8/x', policy), 'host-not-allowed')
  assert.equal(verdict('http://local.test/x', policy), 'ok') // a named pattern is not shadowed by "*"
})

test('IP literals that a pattern allows are still refused when private, unless allowPrivate', () => {
  const strict = compileEndpointPolicy({ allowHosts: ['127.0.0.1', '8.8.8.8', '[fd00::1]'] })
  assert.equal(verdict('http://127.0.0.1/x', strict), 'host-not-allowed')
  assert.equal(verdict('https://[fd00::1]/x', strict), 'host-not-allowed')
  assert.equal(verdict('https://8.8.8.8/x', strict), 'ok')
  const lax = compileEndpointPolicy({ allowHosts: ['127.0.0.1'], allowPrivate: true })
  assert.equal(verdict('http://127.0.0.1/x', lax), 'ok')
})

test('messages name the host but never the endpoint path', () => {
  const secret = 'SECRETTOKEN'
  for (const url of [`https://example.com/${secret}`, `http://fcm.googleapis.com/${secret}`, `https://u:${secret}@fcm.googleapis.com/`]) {
    const r = checkEndpoint(new URL(url), defaults)
    assert.equal(r.ok, false)
    if (!r.ok) {
      assert.ok(!r.message.includes(secret), r.message)
      assert.match(r.message, /example\.com|fcm\.googleapis\.com/)
    }
  }
  const long = checkEndpoint(new URL(`https://${'a'.repeat(60)}.${'b'.repeat(60)}.com/x`), defaults)
  assert.ok(!long.ok && long.message.length < 200)
})

test('compileEndpointPolicy rejects malformed patterns naming --allow-host', () => {
  for (const bad of ['', '  ', 'https://push.example.org', 'push.example.org/path', 'a@b.com', 'foo.*.com', '*foo.com', '**.com',
    'host:0', 'host:65536', 'host:', '*.127.0.0.1', '*.[::1]', '[::1', '::1]:8080', 'bad host', 'a..b', 'a!b.com', '.']) {
    assert.throws(() => compileEndpointPolicy({ allowHosts: [bad] }), { code: 'NS_ERR_INVALID_OPTION', message: /--allow-host/ }, JSON.stringify(bad))
  }
  for (const good of ['*', 'push.example.org', ' Push.Example.Org ', '*.example.org:8443', '[::1]', '::1', '[::1]:8443', '10.0.0.1:80', 'localhost.']) {
    assert.doesNotThrow(() => compileEndpointPolicy({ allowHosts: [good] }), good)
  }
  assert.ok(DEFAULT_PUSH_HOSTS.includes('fcm.googleapis.com'))
  assert.ok(Object.isFrozen(DEFAULT_PUSH_HOSTS))
})

test('isPrivateAddress covers the reserved IPv4 and IPv6 ranges', () => {
  const priv = [
    '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.255', '127.0.0.1', '127.255.0.1',
    '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.168.1.1', '198.18.0.1', '198.19.255.255',
    '198.51.100.7', '203.0.113.9', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
    '::', '::1', '::127.0.0.1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fec0::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:a00:1', '::ffff:169.254.169.254', '64:ff9b::10.0.0.1', '64:ff9b::7f00:1',
    '64:ff9b:1::8.8.8.8', '2002:c0a8:101::1', '2001:db8::1', '2001:db8:ffff::1', '100::1', '[::1]',
    'localhost', '', 'not an ip', '1.2.3', '999.1.1.1'
  ]
  const pub = [
    '1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.1', '100.63.255.255', '100.128.0.1', '126.255.255.255', '128.0.0.1',
    '169.253.0.1', '172.15.255.255', '172.32.0.1', '192.0.1.1', '192.167.0.1', '192.169.0.1', '198.17.255.255', '198.20.0.1',
    '223.255.255.255', '142.250.74.10',
    '2a00:1450:4001:82a::200a', '2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8',
    '2002:808:808::1', '2001:db9::1', 'fbff::1', '[2606:4700::1111]'
  ]
  for (const ip of priv) assert.equal(isPrivateAddress(ip), true, ip)
  for (const ip of pub) assert.equal(isPrivateAddress(ip), false, ip)
})

test('ipv6Words expands compressed and dotted forms', () => {
  assert.deepEqual(ipv6Words('::'), [0, 0, 0, 0, 0, 0, 0, 0])
  assert.deepEqual(ipv6Words('::1'), [0, 0, 0, 0, 0, 0, 0, 1])
  assert.deepEqual(ipv6Words('1::'), [1, 0, 0, 0, 0, 0, 0, 0])
  assert.deepEqual(ipv6Words('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8])
  assert.deepEqual(ipv6Words('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304])
  assert.deepEqual(ipv6Words('::1.2.3.4'), [0, 0, 0, 0, 0, 0, 0x102, 0x304])
  assert.deepEqual(ipv6Words('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x102, 0x304])
  assert.deepEqual(ipv6Words('fe80::1:2'), [0xfe80, 0, 0, 0, 0, 0, 1, 2])
})
