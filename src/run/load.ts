// `load`: the plain load generator. Resolves options, runs the supervisor and builds the report.
import { normalizeOptions } from '../config/normalize.js'
import { parseWorkers, resolveEngine, resolveLoadJob, resolveOutput } from '../config/resolve.js'
import type { RawOptions } from '../config/resolve.js'
import type { EngineOptions } from '../engine/options.js'
import { loadWorkload } from '../load/job.js'
import type { LoadJob } from '../load/job.js'
import { buildReport } from '../report/report.js'
import type { Report } from '../report/report.js'
import { version } from '../version.js'
import { createSupervisor, engineSettings } from './handle.js'
import type { RunHandle, RunHooks } from './handle.js'

// Beyond the workers' own hard deadline: time for their abort to settle before the supervisor steps in.
const BACKSTOP_MS = 2000

/** Programmatic options of a load run: the CLI option names in camelCase, plus the URLs and worker count. */
export interface LoadOptions extends Record<string, unknown> {
  urls: string[]
  workers?: number
}

/** A fully resolved load run (what the CLI builds from flags and the config file). */
export interface ResolvedLoad {
  engine: EngineOptions
  job: LoadJob
  raw: RawOptions
}

/** Validates and resolves load options; throws NS_ERR_INVALID_OPTION naming the offending option. */
export function resolveLoad (raw: RawOptions, urls: readonly string[], workers: string | number | undefined): ResolvedLoad {
  const w = parseWorkers(workers === undefined ? undefined : String(workers))
  return { engine: resolveEngine(raw, 'load', w), job: resolveLoadJob(raw, urls), raw }
}

/** Starts a load run from programmatic options. */
export function startLoad (options: LoadOptions, hooks: RunHooks = {}): RunHandle {
  const { urls, workers, ...rest } = options
  return startResolvedLoad(resolveLoad(normalizeOptions(rest, 'load'), urls, workers), hooks)
}

/** Runs a load test and resolves with its report. */
export async function runLoad (options: LoadOptions, hooks: RunHooks = {}): Promise<Report> {
  return await startLoad(options, hooks).done
}

/** Starts an already resolved load run. */
export function startResolvedLoad (r: ResolvedLoad, hooks: RunHooks = {}): RunHandle {
  const output = resolveOutput(r.raw)
  const { supervisor } = createSupervisor(r.engine, loadWorkload(r.job), output, hooks)
  let interrupted: NodeJS.Signals | null = null
  // The workers end their schedule at --duration and abort what is left at --duration + --grace, counted
  // from their shared start. This is the main thread's backstop should a worker fail to (#11: no run
  // outlives its duration + grace).
  let backstop: NodeJS.Timeout | undefined
  const durationMs = r.engine.durationMs
  if (durationMs !== undefined) {
    void supervisor.started.then((startsInMs) => {
      backstop = setTimeout(() => { supervisor.stop(0) }, startsInMs + durationMs + r.engine.graceMs + BACKSTOP_MS)
      backstop.unref()
    })
  }
  const done = supervisor.run().finally(() => { clearTimeout(backstop) }).then((result) => buildReport(result, {
    command: 'load',
    version,
    settings: loadSettings(r),
    thresholds: output.thresholds,
    interrupted,
    hints: { caGiven: r.engine.tls.ca !== undefined }
  }))
  return {
    done,
    stop (signal: NodeJS.Signals = 'SIGINT') {
      interrupted ??= signal
      supervisor.stop(output.graceMs)
    }
  }
}

function loadSettings (r: ResolvedLoad): Record<string, unknown> {
  return {
    ...engineSettings(r.engine),
    durationMs: r.engine.durationMs ?? null,
    requests: r.engine.requests ?? null,
    targets: r.job.targets.map((t) => `${t.method} ${t.url}`)
  }
}
