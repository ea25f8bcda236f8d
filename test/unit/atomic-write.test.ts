import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../../src/fs/atomic-write.js'
import { tempDir } from '../helpers/files.js'

test('writeFileAtomic creates and replaces a file, leaving nothing else behind', () => {
  const dir = tempDir()
  const path = join(dir, 'report.json')
  writeFileAtomic(path, '{"v":1}\n')
  assert.equal(readFileSync(path, 'utf8'), '{"v":1}\n')
  writeFileSync(join(dir, 'other'), 'x')
  writeFileAtomic(path, Buffer.from('{"v":2}\n'))
  assert.equal(readFileSync(path, 'utf8'), '{"v":2}\n')
  assert.deepEqual(readdirSync(dir).sort(), ['other', 'report.json'])
})

test('a failed write throws its own error, keeps the target and removes the temporary file', () => {
  const dir = tempDir()
  // A directory in the way: the temporary file is written, the rename fails.
  const path = join(dir, 'state.json')
  mkdirSync(path)
  assert.throws(() => { writeFileAtomic(path, 'x') }, { code: /^(EISDIR|EEXIST|ENOTEMPTY|EPERM)$/ })
  assert.deepEqual(readdirSync(dir), ['state.json'])
  assert.throws(() => { writeFileAtomic(join(dir, 'missing', 'report.json'), 'x') }, { code: 'ENOENT' })
})
