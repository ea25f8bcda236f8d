// docs/report.md documents every field of the report JSON: a real send report (sharded, so every optional
// section is present) is checked against its report schema table.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runSend } from '../../src/run/send.js'
import { simFixture } from '../helpers/send-fixtures.js'
import { repoRoot } from '../helpers/paths.js'

// Sections whose members are named in the table one by one; the others are maps or lists.
const DETAILED = ['requests', 'latency', 'bytes', 'connections', 'histograms']

test('every field of a real report is in the report schema table of docs/report.md', async (t) => {
  const f = await simFixture(t, 40)
  const report = await runSend({ ...f.options, workers: 1, payload: 'docs', shard: '0/1', maxErrorRate: '5%' }) as unknown as Record<string, unknown>
  const page = readFileSync(join(repoRoot, 'docs', 'report.md'), 'utf8')
  const table = page.split('<!-- report-schema:start -->')[1]?.split('<!-- report-schema:end -->')[0]
  assert.ok(table !== undefined, 'docs/report.md lacks the report-schema markers')
  const documented = new Set([...table.matchAll(/`([a-zA-Z0-9_.]+)`/g)].map((m) => m[1]))
  const fields: string[] = []
  for (const [key, value] of Object.entries(report)) {
    if (DETAILED.includes(key) && value !== null && typeof value === 'object') {
      for (const sub of Object.keys(value)) fields.push(`${key}.${sub}`)
    } else {
      fields.push(key)
    }
  }
  // Timeline entries (#14) are documented field by field as `timeline.<field>`.
  const timeline = report.timeline as Array<Record<string, unknown>>
  assert.ok(timeline.length > 0 && timeline.some((e) => e.origins !== undefined), 'a send report has a timeline with push services')
  for (const key of new Set(timeline.flatMap((e) => Object.keys(e)))) fields.push(`timeline.${key}`)
  assert.ok(fields.includes('shard') && fields.includes('outcomes') && fields.includes('requests.errorRate'))
  const missing = fields.filter((p) => !documented.has(p))
  assert.deepEqual(missing, [], 'fields of the report missing from the report schema in docs/report.md')
})
