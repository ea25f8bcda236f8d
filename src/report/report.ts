// The run report: one JSON document (stdout with --json, a file with --report) and the source of the
// human table. Built only from measured data; thresholds decide the exit code.
import { encodeHistogram, summarize } from '../stats/histogram.js'
import type { LatencySummary } from '../stats/histogram.js'
import type { SlotName } from '../engine/protocol.js'
import type { ErrorKinds } from '../stats/snapshot.js'
import type { SupervisorResult } from '../engine/supervisor.js'
import type { TimelineSecond } from '../stats/timeline.js'
import { signalExitCode } from './signals.js'
import { evaluateThresholds, loadErrorRate, nothingSucceeded, round } from './thresholds.js'
import type { ThresholdResult, Thresholds } from './thresholds.js'
import { runHints } from './hints.js'
import type { HintContext } from './hints.js'

/** Report format version; bump on incompatible changes. */
export const REPORT_SCHEMA = 1

/** Web Push outcome counts; `read` always equals the sum of the others. */
export interface OutcomeCounts {
  read: number
  /** Lines an earlier run of the same send already settled (resume). */
  skipped: number
  sent: number
  expired: number
  failed: number
  invalid: number
  dryRun: number
  notAttempted: number
  indeterminate: number
}

/**
 * send: lines whose record says delivery is uncertain (#12). `possibleDuplicates` are `sent` lines an
 * earlier attempt of which may have arrived too; `deliveryUnknown` are `failed` lines that may have arrived.
 */
export interface DeliveryFlags {
  possibleDuplicates: number
  deliveryUnknown: number
}

/** One shard of a sharded send (`--shard index/count`). */
export interface ShardInfo {
  index: number
  count: number
  /** Input lines that belong to other shards (read, not sent, not counted in `outcomes`). */
  otherShardLines: number
}

/** What a merged report was made of (`notify-sender merge`). */
export interface MergedInfo {
  /** Number of input reports. */
  count: number
  /** Input files, in argument order (absent when merged through the API without names). */
  files?: string[]
  /** Sharded send: the shard count and the index of each input, in input order. */
  shards?: { count: number, indices: number[] }
}

/** The JSON report. */
export interface Report {
  schema: number
  tool: 'notify-sender'
  version: string
  command: 'load' | 'send'
  startedAt: string
  durationMs: number
  settings: Record<string, unknown>
  requests: {
    started: number
    completed: number
    ok: number
    errors: number
    timeouts: number
    retries: number
    /** Requests the transport sent again because the server had not processed them (GOAWAY, REFUSED_STREAM). */
    replayed: number
    late: number
    dropped: number
    starved: number
    /** Completed requests per second over the run. */
    rps: number
    /** load: failed (transport error or status >= 400) / completed; send: failed / (sent + expired + failed). */
    errorRate: number
  }
  status: { '1xx': number, '2xx': number, '3xx': number, '4xx': number, '5xx': number, codes: Record<string, number> }
  errors: ErrorKinds
  /** Milliseconds. `corrected` is measured from the intended send time (coordinated omission corrected). */
  latency: { corrected: LatencySummary, raw: LatencySummary, startLag: LatencySummary }
  bytes: { sent: number, received: number }
  connections: { opened: number, protocols: Record<string, number> }
  perAddress: Record<string, number>
  /** `source` (merged reports only): index of the input report the worker ran in. */
  workers: Array<{ index: number, restarts: number, gaveUp: boolean, started: number, completed: number, errors: number, source?: number }>
  outcomes?: OutcomeCounts
  delivery?: DeliveryFlags
  /** send --shard: which part of the input this run handled; lines of the other shards are not in `outcomes`. */
  shard?: ShardInfo
  /** Present only on a report produced by `merge`: what was merged. */
  merged?: MergedInfo
  /** Encoded HdrHistograms (µs) so reports of several runs or machines can be merged later. */
  histograms: { corrected: string, raw: string, startLag: string }
  /** One entry per wall-clock second of the run (merged reports: of all inputs, by second). */
  timeline: TimelineSecond[]
  thresholds: ThresholdResult[]
  interrupted: string | null
  passed: boolean
  exitCode: number
  problems: string[]
  /** One line per likely cause of the failures seen (`--ca`, server down, JSON array input); absent when none. */
  hints?: string[]
}

/** Inputs of {@link buildReport} besides the supervisor's result. */
export interface ReportContext {
  command: 'load' | 'send'
  version: string
  settings: Record<string, unknown>
  thresholds: Thresholds
  interrupted: NodeJS.Signals | null
  outcomes?: OutcomeCounts | undefined
  delivery?: DeliveryFlags | undefined
  shard?: ShardInfo | undefined
  /** Overrides the request-level error rate (send mode counts failed messages, not failed attempts). */
  errorRate?: number | undefined
  /** Extra reasons the run failed (worker gave up, origin aborted, counts do not reconcile…). */
  problems?: string[]
  /** What the hints are derived from besides the error kinds (absent: no hints). */
  hints?: HintContext | undefined
}

export { signalExitCode } from './signals.js'
export type { ThresholdResult, Thresholds } from './thresholds.js'

/** Builds the report and decides `passed` / `exitCode`. */
export function buildReport (r: SupervisorResult, ctx: ReportContext): Report {
  const c: Record<SlotName, number> = r.counters
  const errorRate = ctx.errorRate ?? loadErrorRate({ completed: c.Completed, errors: c.Errors, status4xx: c.Status4xx, status5xx: c.Status5xx })
  const corrected = summarize(r.merged.corrected)
  const thresholds = evaluateThresholds(ctx.thresholds, errorRate, corrected.p99)
  const problems = [...(ctx.problems ?? [])]
  for (const w of r.workers) if (w.gaveUp) problems.push(`worker ${w.index} crashed ${w.restarts + 1} times and was given up`)
  // #11: a run in which every request failed used to exit 0 "passed" when no threshold was given.
  const none = nothingSucceeded({ started: c.Started, completed: c.Completed, errors: c.Errors, status4xx: c.Status4xx, status5xx: c.Status5xx }, ctx.outcomes, ctx.thresholds)
  if (none !== null) problems.push(none)
  const passed = problems.length === 0 && thresholds.every((t) => t.passed)
  const exitCode = ctx.interrupted !== null ? signalExitCode(ctx.interrupted) : passed ? 0 : 1
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: 'notify-sender',
    version: ctx.version,
    command: ctx.command,
    startedAt: r.startedAt.toISOString(),
    durationMs: Math.round(r.durationMs),
    settings: ctx.settings,
    requests: {
      started: c.Started,
      completed: c.Completed,
      ok: c.Status2xx,
      errors: c.Errors,
      timeouts: c.Timeouts,
      retries: c.Retries,
      replayed: c.Replayed,
      late: c.Late,
      dropped: c.Dropped,
      starved: c.Starved,
      rps: r.durationMs > 0 ? round((c.Completed * 1000) / r.durationMs, 1) : 0,
      errorRate: round(errorRate, 6)
    },
    status: { '1xx': c.Status1xx, '2xx': c.Status2xx, '3xx': c.Status3xx, '4xx': c.Status4xx, '5xx': c.Status5xx, codes: r.merged.statusCodes },
    errors: r.merged.errors,
    latency: { corrected, raw: summarize(r.merged.raw), startLag: summarize(r.merged.lag) },
    bytes: { sent: c.BytesSent, received: c.BytesReceived },
    connections: { opened: c.ConnectionsOpened, protocols: r.merged.protocols },
    perAddress: r.merged.perAddress,
    workers: r.workers.map((w) => ({
      index: w.index,
      restarts: w.restarts,
      gaveUp: w.gaveUp,
      started: w.counters.Started,
      completed: w.counters.Completed,
      errors: w.counters.Errors
    })),
    histograms: {
      corrected: encodeHistogram(r.merged.corrected),
      raw: encodeHistogram(r.merged.raw),
      startLag: encodeHistogram(r.merged.lag)
    },
    timeline: r.timeline,
    thresholds,
    interrupted: ctx.interrupted,
    passed,
    exitCode,
    problems
  }
  if (ctx.outcomes !== undefined) report.outcomes = ctx.outcomes
  if (ctx.delivery !== undefined) report.delivery = ctx.delivery
  if (ctx.shard !== undefined) report.shard = ctx.shard
  const hints = ctx.hints === undefined ? [] : runHints(r.merged.errors, ctx.hints)
  if (hints.length > 0) report.hints = hints
  return report
}
