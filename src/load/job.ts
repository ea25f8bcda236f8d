// What a load run's workers are given: the request shapes. The main thread resolves them from the
// options; each worker builds its source from them (load/workload.ts).
import type { WorkloadSpec } from '../engine/workload.js'

/** One request shape of a load run; several targets are used round-robin. */
export interface LoadTarget {
  url: string
  method: string
  headers: Array<[string, string]>
  body?: Uint8Array | undefined
}

/** The plain load-generator job. */
export interface LoadJob {
  kind: 'load'
  targets: LoadTarget[]
}

/** The load workload the workers import, with its job. */
export function loadWorkload (job: LoadJob): WorkloadSpec {
  return { module: new URL('./workload.js', import.meta.url).href, job }
}
