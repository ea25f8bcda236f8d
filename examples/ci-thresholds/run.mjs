#!/usr/bin/env node
// `npm run loadtest`: starts the local stand-in service (unless TARGET names a real one), runs a bounded
// load test with thresholds through notify-sender, stops the service and exits with notify-sender's exit
// code, so the CI step fails exactly when a threshold was breached (1) or the test was misconfigured (2).
// Extra arguments go to notify-sender and win over the defaults: `npm run loadtest -- --max-p99 100ms`.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { startServer } from './server.mjs'

// This repository's own CLI; in your project, with notify-sender installed, run `notify-sender` instead.
const bin = fileURLToPath(new URL('../../bin/notify-sender.js', import.meta.url))

const target = process.env.TARGET
const server = target === undefined ? await startServer() : undefined
const args = [
  'load', target ?? server.url, '2',
  '--rate', '100', '--duration', '3s',
  '--max-error-rate', '1%', '--max-p99', '500ms',
  '--report', 'loadtest.json',
  ...process.argv.slice(2)
]
try {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit' })
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (status, signal) => resolve(status ?? 128 + (constants.signals[signal] ?? 0)))
  })
  process.exitCode = code
} finally {
  await server?.close()
}
