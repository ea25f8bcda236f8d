#!/usr/bin/env node
// Regenerates the parts of README.md and docs/*.md that mirror something else (the --help of the binary,
// the exit codes, the config file keys, the benchmark targets); scripts/docs/sections.ts lists them.
// Run through `npm run docs`, which builds first: this imports the compiled list and runs the binary.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatedSections, replaceSection } from '../dist/scripts/docs/sections.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const byFile = new Map()
for (const s of generatedSections(root)) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s])

for (const [file, sections] of byFile) {
  const before = readFileSync(join(root, file), 'utf8')
  let after = before
  for (const s of sections) {
    try {
      after = replaceSection(after, s.name, s.render())
    } catch (err) {
      throw new Error(`${file}: ${err.message}`, { cause: err })
    }
  }
  if (after !== before) writeFileSync(join(root, file), after)
  process.stdout.write(`${file} ${after === before ? 'is up to date' : 'updated'}\n`)
}
