// package.json as published (#15): the metadata people and registries read, what an install runs, and which
// dependencies it pulls. The packed tarball itself is checked by `npm run lint:package` (publint, attw) and
// installed for real by test/e2e/package-install.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/paths.js'

interface Manifest {
  version: string
  license: string
  keywords?: string[]
  homepage?: string
  bugs?: { url?: string }
  repository?: { type?: string, url?: string }
  files: string[]
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
const REPO = 'github.com/notify-sender/notify-sender'

test('package.json: MIT with a LICENSE file that says so', () => {
  assert.equal(pkg.license, 'MIT')
  assert.match(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} /)
})

test('package.json: repository, bugs and homepage point at one repository; keywords are set', () => {
  assert.equal(pkg.repository?.type, 'git')
  assert.equal(pkg.repository?.url, `git+https://${REPO}.git`)
  assert.equal(pkg.bugs?.url, `https://${REPO}/issues`)
  assert.equal(pkg.homepage, `https://${REPO}#readme`)
  assert.ok((pkg.keywords ?? []).includes('web-push'))
})

test('package.json: the package builds when packed, never when installed', () => {
  assert.equal(pkg.scripts.prepack, 'npm run build')
  for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) assert.equal(pkg.scripts[name], undefined, name)
  assert.match(pkg.scripts.test ?? '', /npm run build && npm run lint:package/)
})

test('package.json: pg and pg-cursor are optional peers (and devDependencies for the tests); node is development-only', () => {
  for (const name of ['pg', 'pg-cursor']) {
    assert.equal(pkg.dependencies[name], undefined)
    assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true)
    const dev = pkg.devDependencies[name] ?? ''
    assert.equal(pkg.peerDependencies?.[name], `^${dev}`, `the peer range starts at the tested ${name}`)
  }
  assert.equal(pkg.dependencies.node, undefined)
  assert.equal(pkg.peerDependencies?.node, undefined)
  assert.match(pkg.devDependencies.node ?? '', /^\d+\.\d+\.\d+$/)
})

test('package.json: LICENSE and CHANGELOG.md are published', () => {
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md']) assert.ok(pkg.files.includes(file), file)
})

test('CHANGELOG.md has an Unreleased section and one for the current version; the README links it and the LICENSE', () => {
  const changelog = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8')
  assert.match(changelog, /^## \[Unreleased\]$/m)
  assert.match(changelog, new RegExp(`^## \\[${pkg.version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'))
  assert.ok(readme.includes('](CHANGELOG.md)'))
  assert.ok(readme.includes('](LICENSE)'))
})

test('README Install: the tarball it installs is the one npm pack writes for this version', () => {
  const install = /npm ci && npm pack && npm install -g \.\/(\S+)/.exec(readme)
  assert.equal(install?.[1], `notify-sender-${pkg.version}.tgz`)
})
