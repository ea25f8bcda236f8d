#!/usr/bin/env node
// Regenerates the README sections that mirror the code: the options tables (from the options table) and
// the exit codes. Run through `npm run docs`, which builds first: this imports the compiled modules.
import { readFileSync, writeFileSync } from 'node:fs'
import { renderOptionsMarkdown } from '../dist/src/cli/options-doc.js'
import { renderExitCodesMarkdown } from '../dist/src/cli/exit-codes.js'

const readme = new URL('../README.md', import.meta.url)

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
function replaceSection (text, name, body) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i === -1 || j === -1 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers`)
  return text.slice(0, i + start.length) + '\n' + body + text.slice(j)
}

const before = readFileSync(readme, 'utf8')
let after = replaceSection(before, 'options', renderOptionsMarkdown())
after = replaceSection(after, 'exit-codes', renderExitCodesMarkdown())
if (after !== before) writeFileSync(readme, after)
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n')
