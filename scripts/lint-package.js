#!/usr/bin/env node
// `npm run lint:package`: checks the package as npm would publish it, with publint and
// @arethetypeswrong/cli, both reading one tarball. Packed with --ignore-scripts from the dist/ that
// `npm test` has just built: `attw --pack` runs a plain `npm pack`, whose prepack would type-check and
// build everything a second time. Both tools read a local tarball without touching the network.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'node_modules', '.bin')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

if (!existsSync(join(root, 'dist', 'src'))) {
  process.stderr.write('lint:package: dist/src is missing; run npm run build first\n')
  process.exitCode = 1
} else {
  const dir = mkdtempSync(join(tmpdir(), 'ns-lint-package-'))
  try {
    const packed = JSON.parse(execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }))
    const tarball = join(dir, packed[0].filename)
    // --strict: publint's warnings (a missing file, a wrong condition order) fail too.
    // esm-only: the package is ESM (type: module, one import condition); node10 and require() resolution
    // are not supported on purpose, every other resolution must find both the JS and its types.
    for (const [tool, args] of [['publint', [tarball, '--strict']], ['attw', [tarball, '--profile', 'esm-only', '--no-emoji', '--no-color']]]) {
      const r = spawnSync(join(bin, tool), args, { cwd: root, stdio: 'inherit' })
      if (r.status !== 0) {
        process.stderr.write(`lint:package: ${tool} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})\n`)
        process.exitCode = 1
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
