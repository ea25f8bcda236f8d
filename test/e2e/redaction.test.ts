// Secrets never reach the logs: a real `send` at --log-level trace against a real HTTP/2 TLS push service
// that echoes the Authorization header and the endpoint back in its error bodies (as some services do).
// Every byte the CLI writes to stdout and stderr, and every --out file, is searched for the VAPID private
// key, the JWTs the server actually received, and the endpoints' capability paths.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT } from '../../src/report/exit-codes.js'
import { generateVapidKeys } from '../../src/webpush/keys.js'
import { OUTCOME_FILES } from '../../src/send/outcome-files.js'
import type { Report } from '../../src/report/report.js'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'
import { bounded } from '../helpers/bounded.js'
import { runCli } from '../helpers/cli.js'
import { startH2Server } from '../helpers/servers.js'

let dir = ''
before(async () => { dir = await mkdtemp(join(tmpdir(), 'ns-redaction-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

const JWT_RE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/

function subscriptionKeys (): { p256dh: string, auth: string } {
  const ecdh = createECDH('prime256v1')
  return { p256dh: ecdh.generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') }
}

test('send at --log-level trace leaks no private key, JWT or endpoint path', { timeout: 60_000 }, async () => {
  const { cert, key } = generateSelfSignedCertificate({ hosts: ['127.0.0.1'] })
  const authorizations: string[] = []
  const server = await startH2Server({
    cert,
    key,
    handler: (stream, headers) => {
      const authorization = String(headers.authorization ?? '')
      authorizations.push(authorization)
      stream.on('data', () => {})
      stream.once('end', () => {
        const path = String(headers[':path'])
        if (!path.startsWith('/deny/')) {
          stream.respond({ ':status': 201 })
          stream.end()
          return
        }
        // A careless push service quoting the request back: the reason ends up in outcome records and logs.
        const url = `https://127.0.0.1:${String(stream.session?.socket?.localPort)}${path}`
        stream.respond({ ':status': 403, 'content-type': 'application/json' })
        stream.end(JSON.stringify({ reason: `rejected ${authorization} for ${url}` }))
      })
    }
  })
  try {
    const keys = generateVapidKeys()
    const keyFile = join(dir, 'vapid.json')
    await writeFile(keyFile, JSON.stringify({ ...keys, subject: 'mailto:ops@example.com' }))
    await chmod(keyFile, 0o600)
    const caFile = join(dir, 'ca.pem')
    await writeFile(caFile, cert)

    // Capability paths are random so a hit cannot be a coincidence.
    const secretPaths: string[] = []
    const lines: string[] = []
    const add = (prefix: string, extra: Record<string, unknown> = {}): void => {
      const path = `/${prefix}/${randomBytes(12).toString('base64url')}`
      secretPaths.push(path)
      lines.push(JSON.stringify({ endpoint: `${server.origin}${path}`, keys: subscriptionKeys(), id: lines.length, ...extra }))
    }
    add('ok')
    add('ok')
    // Enough consecutive 403s to make the CLI abort the push service and log why.
    for (let i = 0; i < 21; i++) add('deny')
    // Invalid: its record must not carry the endpoint.
    add('bad', { keys: { p256dh: 'AAAA', auth: 'AAAA' } })
    const subsFile = join(dir, 'subs.ndjson')
    await writeFile(subsFile, lines.join('\n') + '\n')
    const outDir = join(dir, 'out')

    const r = await runCli([
      'send', '1', '--subscriptions', subsFile, '--vapid-keys', keyFile, '--payload', 'hello', '--ca', caFile,
      '--allow-host', `127.0.0.1:${server.port}`, '--allow-private', '--log-level', 'trace', '--out', outDir,
      '--json', '-c', '1'
    ], { cwd: dir, timeoutMs: 40_000 })

    // The run itself: the push service was aborted after repeated 403s, which fails the run.
    assert.equal(r.signal, null)
    assert.equal(r.code, EXIT.failed, r.stderr)
    const report = JSON.parse(r.stdout) as Report
    assert.equal(report.outcomes?.sent, 2)
    assert.equal(report.outcomes?.invalid, 1)
    assert.ok(report.problems.some((p) => /aborted/.test(p)), JSON.stringify(report.problems))
    // Logging really was on, and the server really received VAPID JWTs that could have leaked.
    assert.match(r.stderr, /"level":20/)
    assert.match(r.stderr, /aborting push service/)
    assert.ok(authorizations.length >= 20)
    const jwts = [...new Set(authorizations.map((a) => /t=([^,\s]+)/.exec(a)?.[1] ?? ''))]
    assert.ok(jwts.every((j) => JWT_RE.test(j)), `unexpected Authorization: ${authorizations[0] ?? ''}`)

    const outFiles = await readdir(outDir)
    const withEndpoints = new Set([OUTCOME_FILES.sent, OUTCOME_FILES.failed, OUTCOME_FILES.expired])
    const everything: Array<[string, string]> = [['stdout', r.stdout], ['stderr', r.stderr]]
    const logsAndReports: Array<[string, string]> = [...everything]
    for (const f of outFiles) {
      const text = await readFile(join(outDir, f), 'utf8')
      everything.push([f, text])
      if (!withEndpoints.has(f)) logsAndReports.push([f, text])
    }
    assert.ok(outFiles.includes('report.json') && outFiles.includes(OUTCOME_FILES.invalid), outFiles.join())

    for (const [name, text] of everything) {
      assert.ok(!text.includes(keys.privateKey), `${name} contains the VAPID private key`)
      assert.ok(!text.includes('vapid t='), `${name} contains a VAPID Authorization header`)
      assert.doesNotMatch(text, JWT_RE, `${name} contains a JWT`)
      for (const jwt of jwts) assert.ok(!text.includes(jwt.slice(0, 40)), `${name} contains a JWT the server received`)
    }
    for (const [name, text] of logsAndReports) {
      for (const p of secretPaths) assert.ok(!text.includes(p), `${name} contains the endpoint path ${p}`)
    }
  } finally {
    await bounded(server.close(), 'server close')
  }
})
