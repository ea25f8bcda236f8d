// The sections of README.md and docs/*.md that mirror the code or the benchmark results must not drift:
// regenerate them with `npm run docs`. The list of sections is the one the generator writes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_CODE_DOCS } from '../../src/report/exit-codes.js'
import { ORDER } from '../../src/cli/program.js'
import { configKeys } from '../../src/config/schema.js'
import { generatedSections, readSection } from '../../scripts/docs/sections.js'
import { repoRoot } from '../helpers/paths.js'

const sections = generatedSections(repoRoot)

/** The current text of a generated section, failing when its file lost the markers. */
function section (file: string, name: string): string {
  const body = readSection(readFileSync(join(repoRoot, file), 'utf8'), name)
  assert.ok(body !== undefined, `${file} lacks the <!-- ${name}:start --> ... <!-- ${name}:end --> markers`)
  return body
}

test('every generated section of README.md and docs/ matches what `npm run docs` writes', () => {
  assert.ok(sections.length >= 5)
  for (const s of sections) {
    assert.equal(section(s.file, s.name), s.render(), `${s.file} section ${s.name} is stale: run \`npm run docs\``)
  }
})

test('the README shows the program\'s --help; docs/commands.md the --help of every command', () => {
  const top = section('README.md', 'help')
  assert.match(top, /^`notify-sender --help`$/m)
  for (const command of ORDER) assert.match(top, new RegExp(`^  ${command} `, 'm'), `${command} in the command list`)
  const perCommand = section('docs/commands.md', 'command-help')
  for (const command of ORDER) assert.ok(perCommand.includes(`\`notify-sender ${command} --help\``), command)
})

test('docs/configuration.md lists every key the config file accepts', () => {
  const keys = section('docs/configuration.md', 'config-keys')
  for (const key of configKeys()) assert.ok(keys.includes(`| \`${key}\` |`), key)
})

test('docs/architecture.md has one row per target of benchmarks/RESULTS.md, each with its verdict', () => {
  const results = readFileSync(join(repoRoot, 'benchmarks', 'RESULTS.md'), 'utf8')
  const perf = section('docs/architecture.md', 'performance')
  const targets = [...results.matchAll(/^\| .* \| \*\*(PASS|MISS)\*\* \|$/gm)].length
  assert.ok(targets > 0)
  assert.equal([...perf.matchAll(/\| \*\*(PASS|MISS)\*\* \|$/gm)].length, targets)
  assert.match(perf, /\*\*PASS\*\*/)
})

test('the README exit codes are EXIT_CODE_DOCS, in order', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  assert.match(readme, /^## Exit codes$/m)
  const documented = [...section('README.md', 'exit-codes').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
  assert.deepEqual(documented, EXIT_CODE_DOCS.map((d) => d.code))
})
