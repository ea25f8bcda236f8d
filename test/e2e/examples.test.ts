// The code examples run as they are.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { Report } from '../../src/report/report.js'
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

test('examples/ci-thresholds: `npm run loadtest` passes (exit 0, report written), an impossible threshold fails it (exit 1)', () => {
  const cwd = join(repoRoot, 'examples', 'ci-thresholds')
  const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  // The script's own command line, with the report sent to a temp dir instead of the example's folder.
  const [node, ...script] = (pkg.scripts.loadtest ?? '').split(' ')
  assert.equal(node, 'node')
  const dir = mkdtempSync(join(tmpdir(), 'ns-ci-example-'))
  try {
    const run = (file: string, ...extra: string[]): { status: number | null, report: Report } => {
      const r = spawnSync(process.execPath, [...script, '--quiet', '--report', join(dir, file), ...extra], { cwd, encoding: 'utf8', timeout: 60_000 })
      return { status: r.status, report: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report }
    }
    const ok = run('pass.json')
    assert.equal(ok.status, 0, JSON.stringify(ok.report.thresholds))
    assert.ok(ok.report.requests.completed > 0)
    assert.deepEqual(ok.report.thresholds.map((t) => [t.name, t.passed]), [['max-error-rate', true], ['max-p99', true]])
    // The stand-in service answers after 5 ms, so no p99 can be 1 ms.
    const fail = run('fail.json', '--max-p99', '1ms')
    assert.equal(fail.status, 1)
    assert.deepEqual(fail.report.thresholds.map((t) => [t.name, t.passed]), [['max-error-rate', true], ['max-p99', false]])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
