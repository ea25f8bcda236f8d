// The module a worker imports for a load run (load/job.ts names it): round-robin over the targets.
import type { WorkloadModule } from '../engine/workload.js'
import type { LoadJob } from './job.js'
import { LoadSource } from './source.js'

export const createSource: WorkloadModule['createSource'] = async (ctx) => {
  const { targets } = ctx.job as LoadJob
  const source = new LoadSource(targets, ctx.poolFor)
  // Load knows its origins up front: resolve them before the clock starts so DNS time is not latency.
  for (const t of targets) await ctx.poolFor(new URL(t.url).origin).prepare()
  return source
}
