// The package as a user gets it (#15): `npm pack`, then `npm install -g --prefix <tmp> <tarball>`, then the
// installed bin run from an unrelated directory. The install must run no script of ours (npm 11 warns about
// one as "install-scripts"), must not pull the development-only `node` package, and must leave out the
// optional PostgreSQL driver, whose absence `send --source postgres://` explains; installing the driver
// into the same prefix, as that explanation says, makes the same command reach the database.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { repoRoot } from '../helpers/paths.js'
import { cliEnv } from '../helpers/cli.js'

const run = promisify(execFile)
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string
  devDependencies: Record<string, string>
}
// The Node running the tests goes first on PATH: the bin's `#!/usr/bin/env node` and npm itself then run
// on it, not on whatever older node the machine has.
const env = cliEnv({ PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` })
// Dependencies come from the cache `npm ci` filled; the registry is asked only for what is not in it.
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn']
const INSTALL_TIMEOUT_MS = 300_000

const tmp = mkdtempSync(join(tmpdir(), 'ns-package-install-'))
const prefix = join(tmp, 'prefix')
const elsewhere = join(tmp, 'elsewhere')
const installed = join(prefix, 'lib', 'node_modules')
const bin = join(prefix, 'bin', 'notify-sender')
let installOutput = ''

async function npm (args: readonly string[], cwd: string): Promise<string> {
  const r = await run('npm', [...args], { cwd, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 << 20 })
  return r.stdout + r.stderr
}

async function notifySender (args: readonly string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const r = await run(bin, [...args], { cwd: elsewhere, env, encoding: 'utf8', timeout: 60_000 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code?: unknown, stdout?: string, stderr?: string }
    if (typeof e.code !== 'number') throw err
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

before(async () => {
  mkdirSync(elsewhere)
  // --ignore-scripts: npm test has just built dist/, and prepack's rebuild would rewrite the files that the
  // tests running beside this one are loading. A fresh clone's `npm pack` builds through prepack.
  const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repoRoot)) as Array<{ filename: string }>
  const tarball = join(tmp, packed[0]?.filename ?? 'missing.tgz')
  installOutput = await npm(['install', '-g', '--prefix', prefix, tarball, ...npmFlags], elsewhere)
}, { timeout: INSTALL_TIMEOUT_MS })

after(() => rmSync(tmp, { recursive: true, force: true }))

test('#15 - the tarball installs globally without running or warning about any script', () => {
  assert.doesNotMatch(installOutput, /install-scripts|allow-scripts|allowScripts/i, installOutput)
  assert.doesNotMatch(installOutput, /npm (warn|error)/i, installOutput)
  assert.ok(existsSync(bin), `${bin} exists`)
})

test('#15 - the installed package has its runtime dependencies only: no node binary package, no PostgreSQL driver', () => {
  const own = join(installed, 'notify-sender')
  const pkg = JSON.parse(readFileSync(join(own, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>, scripts?: Record<string, string> }
  assert.equal(pkg.dependencies?.node, undefined)
  assert.equal(pkg.scripts?.prepare, undefined)
  for (const name of ['node', 'pg', 'pg-cursor', 'typescript']) {
    assert.equal(existsSync(join(own, 'node_modules', name)), false, `${name} is not installed with notify-sender`)
    assert.equal(existsSync(join(installed, name)), false, `${name} is not installed globally`)
  }
  assert.ok(existsSync(join(own, 'dist', 'src', 'index.d.ts')))
  assert.equal(existsSync(join(own, 'dist', 'test')), false, 'the tests are not published')
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md']) assert.ok(existsSync(join(own, file)), `${file} is published`)
})

test('#15 - notify-sender --version from another directory prints the package version', async () => {
  const r = await notifySender(['--version'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), manifest.version)
})

test('#15 - notify-sender keys from another directory prints a VAPID key pair', async () => {
  const r = await notifySender(['keys'])
  assert.equal(r.code, 0, r.stderr)
  const keys = JSON.parse(r.stdout) as { publicKey: string, privateKey: string }
  assert.match(keys.publicKey, /^[A-Za-z0-9_-]{87}$/)
  assert.match(keys.privateKey, /^[A-Za-z0-9_-]{43}$/)
})

test('#15 - send --source postgres:// without pg installed says how to add it (exit 2); once added as told, it reaches the server', async (t) => {
  const keys = await notifySender(['keys', '--subject', 'mailto:ops@example.com'])
  assert.equal(keys.code, 0, keys.stderr)
  const vapid = join(tmp, 'vapid.json')
  writeFileSync(vapid, keys.stdout, { mode: 0o600 })
  // A server that hangs up on every connection: pg, once installed, fails there rather than on a missing module.
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const send = ['send', '--source', `postgres://ns@127.0.0.1:${port}/db`, '--query', 'SELECT endpoint, p256dh, auth FROM subs ORDER BY id',
    '--vapid-keys', vapid, '--payload', 'hi']

  const missing = await notifySender(send)
  assert.equal(missing.code, 2, missing.stderr)
  assert.match(missing.stderr, /needs the optional packages pg and pg-cursor/)
  assert.match(missing.stderr, /npm install -g pg@8 pg-cursor@2/)
  assert.match(missing.stderr, /\[NS_ERR_MISSING_DEPENDENCY\]/)
  assert.equal(missing.stdout, '')

  // The versions the tests run against, so the install comes from npm ci's cache.
  await npm(['install', '-g', '--prefix', prefix, `pg@${manifest.devDependencies.pg ?? '8'}`, `pg-cursor@${manifest.devDependencies['pg-cursor'] ?? '2'}`, ...npmFlags], elsewhere)
  const reached = await notifySender(send)
  assert.equal(reached.code, 1, reached.stderr)
  assert.match(reached.stderr, /cannot connect to postgres:\/\/ns@127\.0\.0\.1:\d+\/db.*\[NS_ERR_INPUT\]/)
})
