import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { binPath, repoRoot, repoRootUrl } from '../helpers/paths.js'

test('repoRoot is the directory holding notify-sender\'s package.json, and binPath its CLI entry', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string, bin: Record<string, string> }
  assert.equal(manifest.name, 'notify-sender')
  assert.equal(binPath, join(repoRoot, manifest.bin['notify-sender'] ?? ''))
  assert.ok(existsSync(binPath))
  assert.ok(repoRootUrl.href.endsWith('/'))
  assert.ok(!repoRoot.endsWith('/'))
})
