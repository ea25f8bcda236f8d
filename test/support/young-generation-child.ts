// Child process of test/unit/young-generation.test.ts (the flags it sets are process-wide). Main thread and
// worker run the same churn: a fixed number of allocations with one survivor in 1,000, which is what makes V8
// grow a young generation over a long run. Prints the final new-space sizes of both, in MB.
import v8 from 'node:v8'
import { Worker, isMainThread, parentPort } from 'node:worker_threads'
import { spawnWithPinnedYoungGenerations } from '../../src/engine/young-generation.js'

function churnThenMeasure (): number {
  const keep: object[] = []
  for (let i = 0; i < 3_000_000; i++) {
    const o = { a: 'x'.repeat(40) + String(i), b: [i] }
    if (i % 1000 === 0) {
      keep.push(o)
      if (keep.length > 200) keep.shift()
    }
  }
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
  return (space?.space_size ?? 0) / 1048576
}

if (isMainThread) {
  const create = (): Worker => new Worker(new URL(import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 12 } })
  const worker = process.argv[2] === 'pin' ? spawnWithPinnedYoungGenerations(12, create) : create()
  const workerMb = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  process.stdout.write(JSON.stringify({ mainMb: churnThenMeasure(), workerMb }))
} else {
  parentPort?.postMessage(churnThenMeasure())
}
