import { test } from 'node:test'
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import type { Http2SecureServer, SecureClientSessionOptions } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Client } from 'undici'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'
import { bounded } from '../helpers/bounded.js'

// Deliberately raw node:http2 (not the test server helpers) so this proves the certificate alone.

interface Served {
  port: number
  /** `req.httpVersion` of every request served. */
  versions: string[]
  close: () => Promise<void>
}

async function serve (cert: string, key: string): Promise<Served> {
  const versions: string[] = []
  const server: Http2SecureServer = http2.createSecureServer({ cert, key, allowHTTP1: false }, (req, res) => {
    versions.push(req.httpVersion)
    res.writeHead(201)
    res.end('ok\n')
  })
  const sessions = new Set<http2.ServerHttp2Session>()
  server.on('session', (s) => {
    sessions.add(s)
    s.once('close', () => sessions.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    versions,
    close: () => new Promise((resolve) => {
      server.close(() => resolve())
      for (const s of sessions) s.destroy()
    })
  }
}

/** One GET over a fresh session; resolves with the status or rejects with the connection error. */
function getStatus (url: string, options: SecureClientSessionOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options)
    session.once('error', (err) => {
      session.destroy()
      reject(err)
    })
    const req = session.request({ ':path': '/' })
    req.on('error', () => {})
    req.once('response', (headers) => {
      req.resume()
      req.once('end', () => {
        session.close()
        resolve(Number(headers[':status']))
      })
    })
    req.end()
  })
}

test('an http2 client trusting the certificate as ca connects by name and by IP', { timeout: 30_000 }, async () => {
  const { cert, key } = generateSelfSignedCertificate()
  const server = await serve(cert, key)
  try {
    assert.equal(await bounded(getStatus(`https://localhost:${server.port}`, { ca: cert }), 'h2 via localhost'), 201)
    assert.equal(await bounded(getStatus(`https://127.0.0.1:${server.port}`, { ca: cert }), 'h2 via 127.0.0.1'), 201)
  } finally {
    await bounded(server.close(), 'server close')
  }
})

test('without the ca the handshake fails with a certificate error', { timeout: 30_000 }, async () => {
  const { cert, key } = generateSelfSignedCertificate()
  const server = await serve(cert, key)
  try {
    await assert.rejects(bounded(getStatus(`https://127.0.0.1:${server.port}`, {}), 'h2 without ca'),
      { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    // Trusting a different self-signed certificate is no better.
    const other = generateSelfSignedCertificate().cert
    await assert.rejects(bounded(getStatus(`https://127.0.0.1:${server.port}`, { ca: other }), 'h2 with wrong ca'),
      { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  } finally {
    await bounded(server.close(), 'server close')
  }
})

test('a name outside the SAN is rejected even with the right ca', { timeout: 30_000 }, async () => {
  const { cert, key } = generateSelfSignedCertificate()
  const server = await serve(cert, key)
  try {
    // The socket still goes to 127.0.0.1; servername claims a name the certificate does not cover.
    await assert.rejects(
      bounded(getStatus(`https://127.0.0.1:${server.port}`, { ca: cert, servername: 'push.test' }), 'h2 wrong name'),
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  } finally {
    await bounded(server.close(), 'server close')
  }
})

test('an undici Client with connect.ca and allowH2 completes a request over h2', { timeout: 30_000 }, async () => {
  const { cert, key } = generateSelfSignedCertificate()
  const server = await serve(cert, key)
  const client = new Client(`https://localhost:${server.port}`, { connect: { ca: cert }, allowH2: true })
  try {
    const res = await bounded(client.request({ path: '/', method: 'GET' }), 'undici request')
    assert.equal(res.statusCode, 201)
    assert.equal(await bounded(res.body.text(), 'undici body'), 'ok\n')
    assert.deepEqual(server.versions, ['2.0'])
  } finally {
    await bounded(client.destroy(), 'client destroy')
    await bounded(server.close(), 'server close')
  }
})
