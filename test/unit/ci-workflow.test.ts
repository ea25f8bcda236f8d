// .github/workflows/ci.yml (#15): the CI workflow runs .ci/run on Node 22 and 26 with the hardening undici
// uses: actions pinned by full commit SHA, a read-only token, and no credentials left in the checkout.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from '../helpers/paths.js'

interface Step { uses?: string, run?: string, with?: Record<string, unknown> }
interface Job { permissions?: unknown, steps: Step[], strategy?: { matrix?: { node?: unknown[] } } }

const text = readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8')
const workflow = parse(text) as { permissions?: unknown, jobs: Record<string, Job> }
const jobs = Object.values(workflow.jobs)
const steps = jobs.flatMap((j) => j.steps)

test('ci.yml: the workflow token can only read the repository, and no job widens it', () => {
  assert.deepEqual(workflow.permissions, { contents: 'read' })
  for (const job of jobs) assert.equal(job.permissions, undefined)
})

test('ci.yml: every action is pinned by a full commit SHA, with the tag it was named in a comment', () => {
  const used = steps.filter((s) => s.uses !== undefined)
  assert.ok(used.length >= 2)
  for (const { uses } of used) {
    assert.match(uses ?? '', /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${uses ?? ''} is pinned by SHA`)
    const line = text.split('\n').find((l) => l.includes(`uses: ${uses ?? ''}`)) ?? ''
    assert.match(line, /# v\d+(\.\d+)*\s*$/, `the tag is named: ${line}`)
  }
})

test('ci.yml: every checkout sets persist-credentials: false', () => {
  const checkouts = steps.filter((s) => s.uses?.startsWith('actions/checkout@') === true)
  assert.ok(checkouts.length > 0)
  for (const s of checkouts) assert.equal(s.with?.['persist-credentials'], false)
})

test('ci.yml: .ci/run runs on Node 22 and Node 26', () => {
  const job = jobs.find((j) => j.steps.some((s) => s.run?.includes('.ci/run') === true))
  assert.ok(job !== undefined, 'a job runs .ci/run')
  assert.deepEqual(job.strategy?.matrix?.node?.map(String), ['22', '26'])
  const setup = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@') === true)
  assert.match(String(setup?.with?.['node-version']), /^\$\{\{ matrix\.node \}\}$/)
})
