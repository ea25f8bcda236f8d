// The `simulate`, `demo` and stdin paths of the CLI, as users run them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { binPath } from '../helpers/paths.js'
import { bounded } from '../helpers/bounded.js'
import { tempDir } from '../helpers/files.js'
import { runCli } from '../helpers/cli.js'
import { writeVapidKeys } from '../helpers/send-fixtures.js'
import type { Report } from '../../src/report/report.js'

test('simulate writes its certificate, seed and subscriptions, serves, and prints its final counts; send from stdin reaches it', async () => {
  const dir = tempDir()
  const subs = join(dir, 'subs.ndjson')
  const child = spawn(process.execPath, [binPath, 'simulate', '--port', '0', '--subscriptions', '25', '--out', subs, '--state-dir', join(dir, 'sim'), '--duration', '20s', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.resume()
  const exited = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
  await bounded(new Promise<void>((resolve) => { const check = (): void => { if (stdout.includes('\n')) resolve(); else setTimeout(check, 20) }; check() }), 'simulate start')
  const info = JSON.parse(stdout.split('\n')[0] as string) as { origin: string, ca: string, subscriptions: string, count: number }
  assert.equal(info.count, 25)
  assert.equal(info.subscriptions, subs)
  assert.ok(existsSync(info.ca))
  assert.equal(statSync(join(dir, 'sim', 'seed')).mode & 0o777, 0o600)
  // `cat subs.ndjson | notify-sender send ...`: the subscriptions come from stdin.
  const vapid = writeVapidKeys(dir)
  const send = spawn(process.execPath, [binPath, 'send', '1', '-p', 'hello', '--vapid-keys', vapid.path, '--ca', info.ca,
    '--allow-host', new URL(info.origin).host, '--allow-private', '--json', '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let sendOut = ''
  send.stdout.on('data', (c: Buffer) => { sendOut += c.toString() })
  send.stderr.resume()
  send.stdin.end(readFileSync(subs))
  const sendCode = await bounded(new Promise<number | null>((resolve) => { send.on('exit', (code) => { resolve(code) }) }), 'send from stdin', 30_000)
  assert.equal(sendCode, 0)
  assert.equal((JSON.parse(sendOut) as Report).outcomes?.sent, 25)
  // The simulator's own count, over HTTPS, as another process sees it.
  child.kill('SIGINT')
  assert.equal(await bounded(exited, 'simulate exit'), 0)
  const final = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { stats: { delivered: number, deliveredOnce: number } }
  assert.equal(final.stats.delivered, 25)
  assert.equal(final.stats.deliveredOnce, 25)
})

test('demo runs the simulator and a send end to end and reports them consistent', async () => {
  const dir = tempDir()
  const r = await runCli(['demo', '1', '--subscriptions', '60', '--json', '--log-level', 'warn'], { cwd: dir, timeoutMs: 60_000 })
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as Report
  assert.equal(report.outcomes?.sent, 60)
  assert.match(r.stderr, /60 messages verified and decrypted for 60 subscriptions.*consistent/)
  assert.ok(existsSync(join(dir, 'demo-out')))
})

test('a missing VAPID key is a usage error that names where keys come from', async () => {
  const dir = tempDir()
  const subs = join(dir, 's.ndjson')
  writeFileSync(subs, '')
  const r = await runCli(['send', '1', '-s', subs, '-p', 'x'], { cwd: dir })
  assert.equal(r.code, 2)
  assert.match(r.stderr, /NOTIFY_SENDER_VAPID_PRIVATE_KEY|--vapid-keys/)
  assert.equal(r.stdout, '')
})
