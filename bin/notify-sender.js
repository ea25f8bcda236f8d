#!/usr/bin/env node
// The runtime is checked before anything else is imported: undici 8 needs Node >= 22.19, and below that
// it fails with errors that do not say so. package.json's "engines" is the one place the floor is written.
import { readFileSync } from 'node:fs'

const wanted = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node
const [needMajor, needMinor] = wanted.replace(/^>=\s*/, '').split('.').map(Number)
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(`notify-sender: needs Node.js ${wanted} (this is Node.js ${process.versions.node}); install Node.js 26 LTS or 22.19+\n`)
  process.exitCode = 2
} else {
  await import('../dist/src/cli/main.js')
}
