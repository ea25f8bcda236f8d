// README.md sections that mirror the code must not drift: regenerate them with `npm run docs`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_CODE_DOCS, renderExitCodesMarkdown } from '../../src/report/exit-codes.js'
import { renderConfigKeysMarkdown, renderHelpMarkdown, renderPerformanceMarkdown } from '../../src/cli/readme-sections.js'
import { ORDER } from '../../src/cli/program.js'
import { configKeys } from '../../src/config/schema.js'
import { spawnSync } from 'node:child_process'
import { binPath } from '../helpers/paths.js'
import { repoRoot } from '../helpers/paths.js'

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, as scripts/update-readme-options.js writes it. */
function section (name: string): string {
  const start = `<!-- ${name}:start -->\n`
  const end = `<!-- ${name}:end -->`
  const i = readme.indexOf(start)
  const j = readme.indexOf(end)
  assert.ok(i !== -1 && j > i, `README.md lacks the ${name} markers`)
  return readme.slice(i + start.length, j)
}

test('README --help section is the binary\'s own --help of every command (npm run docs)', () => {
  const helpOf = (args: string[]): string => {
    const r = spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  assert.match(readme, /^## Command-line reference \(`--help`\)$/m)
  const help = section('help')
  assert.equal(help, renderHelpMarkdown(helpOf), 'README.md is stale: run `npm run docs`')
  for (const command of ORDER) assert.ok(help.includes(`\`notify-sender ${command} --help\``), command)
})

test('README config keys table lists every key the config file accepts', () => {
  const keys = section('config-keys')
  assert.equal(keys, renderConfigKeysMarkdown(), 'README.md is stale: run `npm run docs`')
  for (const key of configKeys()) assert.ok(keys.includes(`| \`${key}\` |`), key)
})

test('README performance table is the Targets table of benchmarks/RESULTS.md', () => {
  const results = readFileSync(join(repoRoot, 'benchmarks', 'RESULTS.md'), 'utf8')
  const perf = section('performance')
  assert.equal(perf, renderPerformanceMarkdown(results), 'README.md is stale: run `npm run docs`')
  // One row per target of RESULTS.md, each with its verdict.
  const targets = [...results.matchAll(/^\| .* \| \*\*(PASS|MISS)\*\* \|$/gm)].length
  assert.ok(targets > 0)
  assert.equal([...perf.matchAll(/\| \*\*(PASS|MISS)\*\* \|$/gm)].length, targets)
  assert.match(perf, /\*\*PASS\*\*/)
})

test('README exit codes section is generated from EXIT_CODE_DOCS', () => {
  assert.match(readme, /^## Exit codes$/m)
  assert.equal(section('exit-codes'), renderExitCodesMarkdown(), 'README.md is stale: run `npm run docs`')
  const documented = [...section('exit-codes').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
  assert.deepEqual(documented, EXIT_CODE_DOCS.map((d) => d.code))
})
