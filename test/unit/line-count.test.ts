import { test } from 'node:test'
import assert from 'node:assert/strict'
import { countLines } from '../../src/input/line-count.js'
import { tempFile } from '../helpers/files.js'

test('line count: physical lines, a last line without a newline counts, chunk boundaries do not matter', async () => {
  assert.equal(await countLines(tempFile('empty.ndjson', '')), 0)
  assert.equal(await countLines(tempFile('one.ndjson', '{}')), 1)
  assert.equal(await countLines(tempFile('two.ndjson', '{}\r\n\n')), 2)
  // Longer than one 256 KiB read, with a newline as the last byte of the first read and none at the end.
  const line = 'x'.repeat(255) + '\n'
  assert.equal(await countLines(tempFile('big.ndjson', line.repeat(2048) + 'tail')), 2049)
  await assert.rejects(countLines(tempFile('dir', '') + '.missing'), { code: 'ENOENT' })
})
