// #13 - the layers of src/ are enforced, not hoped for: `npm run lint` runs dependency-cruiser with the
// repository's .dependency-cruiser.cjs. A copy of src/ with a planted cycle, and one with a planted
// upward import, must fail naming the rule they break; the real src/ must pass.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../helpers/paths.js'

const CONFIG = join(repoRoot, '.dependency-cruiser.cjs')
const DEPCRUISE = join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs')

function cruise (cwd: string): { status: number | null, output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, output: r.stdout + r.stderr }
}

/** A copy of src/, with what resolving its imports needs, and `line` appended to `file`. */
function plantedCopy (file: string, line: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-layers-'))
  cpSync(join(repoRoot, 'src'), join(dir, 'src'), { recursive: true })
  cpSync(join(repoRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'))
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
  appendFileSync(join(dir, file), `\n${line}\n`)
  return dir
}

test('#13 - the real src/ keeps its layers', () => {
  const r = cruise(repoRoot)
  assert.equal(r.status, 0, r.output)
  assert.match(r.output, /no dependency violations found/)
})

test('#13 - a planted cycle fails no-circular', (t) => {
  // stats/merge.ts imports stats/histogram.ts: importing it back closes a loop inside one layer.
  const dir = plantedCopy('src/stats/histogram.ts', "import { addCounts } from './merge.js'")
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const r = cruise(dir)
  assert.notEqual(r.status, 0, r.output)
  assert.match(r.output, /error no-circular: src\/stats\/(histogram|merge)\.ts/)
})

test('#13 - a planted upward import fails the layer rule, even when it only takes a type', (t) => {
  // report/exit-codes.ts imports nothing of stats/: no cycle, only the layer order is broken.
  const dir = plantedCopy('src/stats/histogram.ts', "import type { ExitCodeDoc } from '../report/exit-codes.js'")
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const r = cruise(dir)
  assert.notEqual(r.status, 0, r.output)
  assert.match(r.output, /error no-upward-import-from-stats: src\/stats\/histogram\.ts → src\/report\/exit-codes\.ts/)
  assert.doesNotMatch(r.output, /no-circular/)
})

test('#13 - the engine imports no workload, and a workload reaches the engine through its seam only', (t) => {
  const dir = plantedCopy('src/engine/worker.ts', "import type { SendJob } from '../send/job.js'")
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  appendFileSync(join(dir, 'src/send/feeder.ts'), "\nimport type { Loop } from '../engine/loop.js'\n")
  const r = cruise(dir)
  assert.notEqual(r.status, 0, r.output)
  assert.match(r.output, /error engine-imports-no-workload: src\/engine\/worker\.ts → src\/send\/job\.ts/)
  assert.match(r.output, /error workloads-use-the-seam: src\/send\/feeder\.ts → src\/engine\/loop\.ts/)
})
