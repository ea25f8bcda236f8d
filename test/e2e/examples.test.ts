// The code examples run as they are.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { repoRoot } from '../helpers/paths.js'

for (const example of ['load-h2', 'send-simulator']) {
  test(`examples/${example} runs and succeeds`, () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'examples', example, 'index.mjs')], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.ok(r.stdout.length > 0)
  })
}

test('examples/cron config file is valid for send', async () => {
  const { loadConfigFile } = await import('../../src/config/file.js')
  const file = loadConfigFile(join(repoRoot, 'examples', 'cron', 'notify-sender.config.json'), 'send')
  assert.equal(file?.options.rate, 2000)
  assert.match(String(file?.options.subscriptions), /examples\/cron\/subscriptions\.ndjson$/)
  assert.ok(JSON.parse(readFileSync(join(repoRoot, 'examples', 'cron', 'payload.json'), 'utf8')))
})
