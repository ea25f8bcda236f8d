import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('../support/young-generation-child.js', import.meta.url))

function measure (mode: 'pin' | 'default'): { mainMb: number, workerMb: number } {
  const r = spawnSync(process.execPath, [CHILD, mode], { encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as { mainMb: number, workerMb: number }
}

test('pinned young generations (#12 item 8): the main thread stops growing, workers still reach their cap', () => {
  const grown = measure('default')
  const pinned = measure('pin')
  // Without the pin the main thread's young generation grows to several times its initial 2 MB.
  assert.ok(grown.mainMb >= 8, `default main thread: ${grown.mainMb} MB`)
  assert.ok(pinned.mainMb <= 4, `pinned main thread: ${pinned.mainMb} MB (default: ${grown.mainMb} MB)`)
  // The worker ends at the same size either way, its 12 MB cap: the pin costs it no extra scavenges.
  assert.equal(pinned.workerMb, grown.workerMb, `worker: pinned ${pinned.workerMb} MB, default ${grown.workerMb} MB`)
})
