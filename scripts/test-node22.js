#!/usr/bin/env node
// The second test pass: the compiled suite (npm test builds it) on the oldest supported Node line, pinned at
// the engines floor in .ci/node22 (its own package.json and lockfile, installed here on first use). The
// binary's folder goes first on PATH, so what the tests spawn by name (node, npm) runs on it too.
// npm ci every time: it is a few seconds, and a changed pin can never leave a stale binary behind.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const prefix = fileURLToPath(new URL('../.ci/node22/', import.meta.url))
const bin = `${prefix}node_modules/.bin`
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run (command, args, options) {
  const r = spawnSync(command, args, { stdio: 'inherit', ...options })
  if (r.status !== 0) {
    process.stderr.write(`test:node22: ${command} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})\n`)
    process.exitCode = r.status ?? 1
    return false
  }
  return true
}

if (!existsSync(`${root}dist/test`)) {
  process.stderr.write('test:node22: dist/test is missing; run npm test (or npm run build) first\n')
  process.exitCode = 1
} else if (run(npm, ['ci', '--no-audit', '--no-fund'], { cwd: prefix })) {
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }
  const version = spawnSync(`${bin}/node`, ['--version'], { encoding: 'utf8' }).stdout.trim()
  process.stderr.write(`test:node22: running the suite on Node ${version}\n`)
  run(`${bin}/node`, ['scripts/run-tests.js', ...process.argv.slice(2)], { cwd: root, env })
}
