#!/usr/bin/env node
// Regenerates the README sections that mirror something else: the exit codes, the config file keys, the full --help of the binary and the benchmark targets.
// Run through `npm run docs`, which builds first: this imports the compiled modules and runs the binary.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { renderExitCodesMarkdown } from '../dist/src/report/exit-codes.js'
import { renderConfigKeysMarkdown, renderHelpMarkdown, renderPerformanceMarkdown } from '../dist/src/cli/readme-sections.js'

const readme = new URL('../README.md', import.meta.url)
const bin = new URL('../bin/notify-sender.js', import.meta.url).pathname
const results = new URL('../benchmarks/RESULTS.md', import.meta.url)

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
function replaceSection (text, name, body) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i === -1 || j === -1 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers`)
  return text.slice(0, i + start.length) + '\n' + body + text.slice(j)
}

function helpOf (args) {
  // Not a terminal, as in the test: commander wraps at 80 columns.
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`notify-sender ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

const before = readFileSync(readme, 'utf8')
let after = replaceSection(before, 'exit-codes', renderExitCodesMarkdown())
after = replaceSection(after, 'config-keys', renderConfigKeysMarkdown())
after = replaceSection(after, 'help', renderHelpMarkdown(helpOf))
after = replaceSection(after, 'performance', renderPerformanceMarkdown(readFileSync(results, 'utf8')))
if (after !== before) writeFileSync(readme, after)
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n')
