// The README stays a front page (issue 13): short, linking every page of docs/, and no relative link in
// it or in docs/ leads nowhere, anchors included, so moving a section cannot silently break a link.
// docs/api.md must cover every export of src/index.ts, as a `name` or a Node-doc {Type}.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { repoRoot } from '../helpers/paths.js'

const MAX_README_LINES = 300

const docs = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f))
const pages = ['README.md', ...docs]
const text = (file: string): string => readFileSync(join(repoRoot, file), 'utf8')

/** The text outside fenced code blocks and code spans: links and headings only count there. */
function prose (markdown: string): string[] {
  const out: string[] = []
  let fence: string | null = null
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1]
    if (marker !== undefined) {
      if (fence === null) fence = marker
      else if (marker.startsWith(fence)) fence = null
      out.push('')
      continue
    }
    out.push(fence === null ? line.replace(/`+[^`]*`+/g, (code) => code.replace(/[[\]()]/g, ' ')) : '')
  }
  return out
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, -1 -2 for repeats. */
function anchors (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fence = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence
    const h = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (h === null || h[1] === undefined) continue
    const plain = h[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return out
}

/** Every link and image target of a page, with its line number. */
function links (markdown: string): Array<{ target: string, line: number }> {
  const out: Array<{ target: string, line: number }> = []
  prose(markdown).forEach((l, i) => {
    for (const m of l.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1] ?? '', line: i + 1 })
  })
  return out
}

test(`README.md is at most ${MAX_README_LINES} lines`, () => {
  const lines = text('README.md').replace(/\n$/, '').split('\n').length
  assert.ok(lines <= MAX_README_LINES, `README.md has ${lines} lines; move the details to a page of docs/`)
})

test('the README links every page of docs/', () => {
  assert.ok(docs.length >= 7, docs.join(', '))
  const linked = new Set(links(text('README.md')).map((l) => join(l.target.split('#')[0] ?? '')))
  for (const page of docs) assert.ok(linked.has(page), `README.md does not link ${page}`)
})

test('every relative link in README.md and docs/*.md points to a file that exists, and to a heading that exists', () => {
  const broken: string[] = []
  for (const page of pages) {
    for (const { target, line } of links(text(page))) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue // https:, mailto:
      const where = `${page}:${line}: ${target}`
      const [path = '', anchor] = target.split('#')
      if (path.startsWith('/')) { broken.push(`${where} (absolute: GitHub and npm resolve it differently)`); continue }
      const file = path === '' ? join(repoRoot, page) : resolve(repoRoot, dirname(page), decodeURI(path))
      if (relative(repoRoot, file).startsWith('..')) { broken.push(`${where} (outside the repository)`); continue }
      if (!existsSync(file)) { broken.push(`${where} (no such file)`); continue }
      if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue
      if (!anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`)
    }
  }
  assert.deepEqual(broken, [])
})

test('the anchors are GitHub\'s', () => {
  const a = anchors('# Title\n## Command-line reference (`--help`)\n## Merging reports (shards, several machines)\n### `encryptPayload(plaintext, receiver[, options])`\n### `MAX_PLAINTEXT_BYTES`\n## Title\n```\n# not a heading\n```\n')
  assert.deepEqual([...a], ['title', 'command-line-reference---help', 'merging-reports-shards-several-machines', 'encryptpayloadplaintext-receiver-options', 'max_plaintext_bytes', 'title-1'])
})

test('docs/api.md documents every export of src/index.ts and every error code', () => {
  const index = readFileSync(join(repoRoot, 'src', 'index.ts'), 'utf8')
  const names = [...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)]
    .flatMap((m) => (m[1] ?? '').split(','))
    .map((n) => n.trim().split(/\s+as\s+/).pop() ?? '')
    .filter((n) => n !== '')
  assert.ok(names.length > 30 && names.includes('runSend') && names.includes('Report'), names.join(', '))
  const api = text('docs/api.md')
  const missing = names.filter((n) => !new RegExp(`[\`{]${n}\\b`).test(api))
  assert.deepEqual(missing, [], 'exports of the package missing from docs/api.md')
  const codes = new Set(readFileSync(join(repoRoot, 'src', 'errors.ts'), 'utf8').match(/'NS_ERR_[A-Z_]+'/g))
  assert.ok(codes.size > 10)
  assert.deepEqual([...codes].filter((c) => !api.includes(c.slice(1, -1))), [], 'error codes missing from docs/api.md')
})
