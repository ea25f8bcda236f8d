// Generates everything the suite needs into benchmarks/work/ (gitignored), once; later runs reuse it.
//  certs/      throwaway ECDSA P-256 CA + server certificate for 127.0.0.1 (openssl)
//  body.txt    200-byte ASCII body (autocannon -i reads the file as UTF-8, so it must be ASCII)
//  paths.txt   1000 unique push-endpoint-like paths (/wpush/v2/<150 chars>): defeats HPACK :path indexing
//  headers.json push-shaped headers incl. a real-length VAPID Authorization (335 chars)
//  uris-{tls,h1}.txt  absolute URIs for h2load -i / notify-sender --urls-file
//  vapid.json  notify-sender VAPID key file
//  subs-<n>.ndjson  n subscriptions with unique endpoints on the local h2o (streamed, generated on demand)
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'

export const PORT_TLS = Number(process.env.BENCH_TLS_PORT ?? 18444)
export const PORT_H1 = Number(process.env.BENCH_H1_PORT ?? 18081)
export const ORIGIN_TLS = `https://127.0.0.1:${PORT_TLS}`
export const ORIGIN_H1 = `http://127.0.0.1:${PORT_H1}`

const exists = (p) => fs.existsSync(p)

export function makeCerts (work) {
  const dir = path.join(work, 'certs')
  if (exists(path.join(dir, 'server.crt'))) return
  fs.mkdirSync(dir, { recursive: true })
  const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key')
  o('req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', '/CN=notify-sender-bench-CA', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key')
  o('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr')
  fs.writeFileSync(path.join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
    'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n')
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-sha256',
    '-extfile', 'server.ext', '-out', 'server.crt')
}

export function makeLoadFixtures (work) {
  if (!exists(path.join(work, 'body.txt'))) {
    fs.writeFileSync(path.join(work, 'body.txt'), crypto.randomBytes(150).toString('base64url'))
  }
  // Web Push payload: 98 bytes of JSON, so the aes128gcm body is 86 + 98 + 1 + 16 = 201 bytes.
  fs.writeFileSync(path.join(work, 'payload.txt'), JSON.stringify({ title: 'Bench', body: 'x'.repeat(60), tag: 't1' }))
  if (!exists(path.join(work, 'paths.txt'))) {
    const paths = Array.from({ length: 1000 }, () => '/wpush/v2/' + crypto.randomBytes(112).toString('base64url'))
    fs.writeFileSync(path.join(work, 'paths.txt'), paths.join('\n') + '\n')
  }
  const paths = fs.readFileSync(path.join(work, 'paths.txt'), 'utf8').trim().split('\n')
  fs.writeFileSync(path.join(work, 'uris-tls.txt'), paths.map((p) => ORIGIN_TLS + p).join('\n') + '\n')
  fs.writeFileSync(path.join(work, 'uris-h1.txt'), paths.map((p) => ORIGIN_H1 + p).join('\n') + '\n')
  if (!exists(path.join(work, 'headers.json'))) {
    // A real-shaped VAPID header: ES256 JWT + 65-byte uncompressed public key.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const unsigned = b64({ typ: 'JWT', alg: 'ES256' }) + '.' + b64({ aud: 'https://push.example.net', exp: Math.floor(Date.now() / 1000) + 43200, sub: 'mailto:bench@example.com' })
    const sig = crypto.sign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')
    const k = publicKey.export({ format: 'jwk' })
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(k.x, 'base64url'), Buffer.from(k.y, 'base64url')]).toString('base64url')
    const headers = {
      'content-type': 'application/octet-stream',
      'content-encoding': 'aes128gcm',
      ttl: '2419200',
      urgency: 'normal',
      authorization: `vapid t=${unsigned}.${sig}, k=${raw}`
    }
    fs.writeFileSync(path.join(work, 'headers.json'), JSON.stringify(headers, null, 1) + '\n')
  }
}

export function makeVapid (work, repo) {
  const f = path.join(work, 'vapid.json')
  if (exists(f)) return f
  const out = execFileSync(process.execPath, [path.join(repo, 'bin/notify-sender.js'), 'keys', '--subject', 'mailto:bench@example.com'])
  fs.writeFileSync(f, out)
  return f
}

// n subscriptions, unique endpoints; the receiver keys cycle through 4096 real P-256 key pairs (ECDH cost
// does not depend on key reuse, and generating 10M key pairs would take minutes).
export async function makeSubs (work, n) {
  const f = path.join(work, `subs-${n}.ndjson`)
  if (exists(f)) return f
  const keys = Array.from({ length: 4096 }, () => {
    const e = crypto.createECDH('prime256v1')
    return `"keys":{"p256dh":"${e.generateKeys().toString('base64url')}","auth":"${crypto.randomBytes(16).toString('base64url')}"}}\n`
  })
  const prefix = `{"endpoint":"${ORIGIN_TLS}/wpush/v2/`
  const tag = crypto.randomBytes(60).toString('base64url') // 80 chars: endpoints ~150 chars like real ones
  await writeLines(f, n, (i) => prefix + tag + (i - 1).toString(36).padStart(8, '0') + '",' + keys[(i - 1) & 4095])
  return f
}

/**
 * Writes lines 1..n (each `lineOf(i)`, newline included) to `f` through a temporary file renamed at the
 * end, so an interrupted generation never leaves a truncated fixture behind; 1 MB chunks keep memory flat.
 */
export async function writeLines (f, n, lineOf) {
  const tmp = f + '.tmp'
  const out = fs.createWriteStream(tmp, { highWaterMark: 1 << 20 })
  let chunk = ''
  for (let i = 1; i <= n; i++) {
    chunk += lineOf(i)
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
  fs.renameSync(tmp, f)
}

export function h2oConf (work) {
  const f = path.join(work, 'h2o.conf')
  const w = (p) => path.join(work, p)
  fs.writeFileSync(f, `# generated by benchmarks/harness/fixtures.js: 1 thread, 201 "ok\\n" for everything
num-threads: 1
error-log: ${w('h2o-error.log')}
http2-max-concurrent-requests-per-connection: 1000
listen:
  host: 127.0.0.1
  port: ${PORT_TLS}
  ssl:
    certificate-file: ${w('certs/server.crt')}
    key-file: ${w('certs/server.key')}
    minimum-version: TLSv1.2
    ocsp-update-interval: 0
listen:
  host: 127.0.0.1
  port: ${PORT_H1}
hosts:
  "default":
    paths:
      "/":
        mruby.handler: |
          Proc.new do |env|
            [201, {"content-type" => "text/plain"}, ["ok\\n"]]
          end
`)
  return f
}
