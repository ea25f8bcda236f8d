// V8 doubles an isolate's young generation whenever the bytes that survived scavenges since the last growth
// exceed its capacity. Over a long run that always happens (one survivor in 100,000 allocations is enough),
// so every busy isolate ends at its maximum: two 32 MB semi-spaces for the main thread on Node 26 (16 MB on
// 22), although a send's main thread keeps about 10 MB alive. On a 10M-line send that was most of the peak
// RSS that grew with the number of lines (#12 item 8). The maximum is fixed when the process starts
// (--max-semi-space-size), but two V8 flags are read later: the growth factor at each growth, and the
// minimum semi-space when an isolate is created. Setting them pins every young generation without
// re-executing Node: the main thread stays at its initial 1 MB semi-spaces, and workers reach the cap their
// resourceLimits set (as they did before). A growth factor of 1 alone, with workers growing from 1 MB, cost
// 12% CPU per line; pinned, the CPU per line did not change (1M-line dry runs, 100k-line sends).
import v8 from 'node:v8'
import type { Worker } from 'node:worker_threads'

/** V8's young generation holds two semi-spaces plus a new large-object space of the same size. */
const SEMI_SPACES_PER_YOUNG_GENERATION = 3

function pin (workerYoungGenerationMb: number): void {
  const semiSpaceMb = Math.max(1, Math.floor(workerYoungGenerationMb / SEMI_SPACES_PER_YOUNG_GENERATION))
  v8.setFlagsFromString(`--min-semi-space-size=${semiSpaceMb}`)
  v8.setFlagsFromString('--semi-space-growth-factor=1')
}

/**
 * Creates a worker whose `resourceLimits.maxYoungGenerationSizeMb` is `workerYoungGenerationMb`, with every
 * young generation of the process pinned (process-wide: for a process whose only job is the run, the CLI; an
 * application embedding the API keeps V8's own sizing).
 */
export function spawnWithPinnedYoungGenerations (workerYoungGenerationMb: number, create: () => Worker): Worker {
  pin(workerYoungGenerationMb)
  const worker = create()
  // Node 22 sets the growth factor back to its default when a worker thread starts (Node 26 does not).
  worker.once('online', () => { pin(workerYoungGenerationMb) })
  return worker
}
