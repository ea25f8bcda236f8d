#!/usr/bin/env node
// Runs the compiled test suite with Node's own runner. A script rather than a glob in package.json: it
// also selects files by substring (`node scripts/run-tests.js memory`), and test:node22 reuses it.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../dist/test/', import.meta.url).pathname
const only = process.argv.slice(2)
const files = []
;(function walk (dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.test.js') && (only.length === 0 || only.some((o) => p.includes(o)))) files.push(p)
  }
})(root)

if (files.length === 0) {
  process.stderr.write('no test files found under dist/test (did the build run?)\n')
  process.exitCode = 1
} else {
  // spec on every Node line (22 writes TAP when stdout is not a terminal), so CI reads one summary format.
  // The timeout is a backstop for a test that sets none, and on Node 22 it also bounds each whole file:
  // 120 s failed the long e2e files on a machine busy with other work; the tests bound their own waits.
  const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...files]
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' })
  process.exitCode = r.status ?? 1
}
