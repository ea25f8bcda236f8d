// README.md sections that mirror the code must not drift: regenerate them with `npm run docs`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_CODE_DOCS, renderExitCodesMarkdown } from '../../src/cli/exit-codes.js'
import { DOC_ORDER, renderOptionsMarkdown } from '../../src/cli/options-doc.js'
import { optionsFor } from '../../src/config/options.js'
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

test('README options section is the one generated from the options table (npm run docs)', () => {
  assert.match(readme, /^## Options\n\n<!-- options:start -->$/m)
  assert.equal(section('options'), renderOptionsMarkdown(), 'README.md is stale: run `npm run docs`')
})

test('the generated options section has one table per command and a row per option', () => {
  const md = renderOptionsMarkdown()
  for (const command of DOC_ORDER) {
    const part = md.split(`### ${command}\n`)[1]?.split('\n### ')[0] ?? ''
    assert.ok(part.includes('| option | description | default |'), command)
    const rows = part.split('\n').filter((l) => l.startsWith('| `'))
    assert.equal(rows.length, optionsFor(command).length, command)
    for (const [, spec] of optionsFor(command)) {
      assert.ok(rows.some((r) => r.startsWith(`| \`${spec.flags.replace(/\|/g, '\\|')}\``)), `${command}: ${spec.flags}`)
    }
  }
})

test('README exit codes section is generated from EXIT_CODE_DOCS', () => {
  assert.match(readme, /^## Exit codes$/m)
  assert.equal(section('exit-codes'), renderExitCodesMarkdown(), 'README.md is stale: run `npm run docs`')
  const documented = [...section('exit-codes').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
  assert.deepEqual(documented, EXIT_CODE_DOCS.map((d) => d.code))
})
