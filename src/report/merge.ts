// Merging reports of concurrent runs (the shards of a send, load tests from several machines) into one.
// Counts are summed; latency comes from the added HdrHistograms, so merged percentiles are true
// percentiles of all samples — averaging per-run percentiles would not be.
import { ReportError } from '../errors.js'
import type { ErrorKinds } from '../stats/snapshot.js'
import { addCounts, addErrorKinds } from '../stats/merge.js'
import { createHistogram, decodeHistogram, encodeHistogram, summarize } from '../stats/histogram.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import { version as ownVersion } from '../version.js'
import { checkReport } from './read.js'
import { REPORT_SCHEMA } from './report.js'
import type { MergedInfo, OutcomeCounts, Report, Thresholds } from './report.js'
import { checkShards } from './shards.js'
import { mergeTimelines } from './timeline-merge.js'
import { evaluateThresholds, loadErrorRate, round, sendErrorRate } from './thresholds.js'

/** Options of {@link mergeReports}. */
export interface MergeOptions {
  /** Names of the inputs (file paths), in the same order: used in problems and `merged.files`. */
  sources?: readonly string[] | undefined
  /** Thresholds evaluated on the merged data. */
  thresholds?: Thresholds | undefined
  /** Version written into the merged report (default: this package's). */
  version?: string | undefined
}

type Requests = Omit<Report['requests'], 'rps' | 'errorRate'>
const REQUEST_KEYS: ReadonlyArray<keyof Requests> = ['started', 'completed', 'ok', 'errors', 'timeouts', 'retries', 'replayed', 'late', 'dropped', 'starved']
const STATUS_KEYS = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const
const OUTCOME_KEYS: ReadonlyArray<keyof OutcomeCounts> = ['read', 'skipped', 'sent', 'expired', 'failed', 'invalid', 'dryRun', 'notAttempted', 'indeterminate']
const HISTOGRAM_KEYS = ['corrected', 'raw', 'startLag'] as const

/**
 * Merges reports of runs that ran side by side into one report, with `passed`/`exitCode` decided anew:
 * it fails when a threshold is breached on the merged data or when there is any problem — an input's own
 * problems, an interrupted input, a missing or duplicate shard, a report given twice.
 * @throws ReportError (NS_ERR_REPORT) for no input, a non-report, another schema, load mixed with send,
 *   shards mixed with unsharded reports or of different shard counts, an undecodable histogram.
 */
export function mergeReports (reports: readonly Report[], opts: MergeOptions = {}): Report {
  const names = reports.map((_, i) => opts.sources?.[i] ?? `report #${i + 1}`)
  if (reports.length === 0) throw new ReportError('merge needs at least one report')
  for (const [i, r] of reports.entries()) checkReport(r, names[i] ?? '')
  const first = reports[0] as Report
  const command = first.command
  const otherCommand = reports.findIndex((r) => r.command !== command)
  if (otherCommand !== -1) {
    throw new ReportError(`cannot merge ${command} and ${String(reports[otherCommand]?.command)} reports: ${names[0] ?? ''} is a ${command} report, ${names[otherCommand] ?? ''} a ${String(reports[otherCommand]?.command)} report`)
  }
  const shardCheck = checkShards(reports, names)
  const histograms = mergeHistograms(reports, names)

  // `?? 0`: reports written before a counter existed (replayed came with undici 8) still merge.
  const requests = Object.fromEntries(REQUEST_KEYS.map((k) => [k, sum(reports, (r) => r.requests[k] ?? 0)])) as unknown as Requests
  const status: Report['status'] = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, codes: {} }
  for (const k of STATUS_KEYS) status[k] = sum(reports, (r) => r.status[k])
  const errors: ErrorKinds = {}
  const protocols: Record<string, number> = {}
  const perAddress: Record<string, number> = {}
  for (const r of reports) {
    addCounts(status.codes, r.status.codes)
    addCounts(protocols, r.connections.protocols)
    addCounts(perAddress, r.perAddress)
    addErrorKinds(errors, r.errors)
  }
  const withOutcomes = reports.filter((r) => r.outcomes !== undefined)
  const outcomes = withOutcomes.length === 0
    ? undefined
    : Object.fromEntries(OUTCOME_KEYS.map((k) => [k, sum(withOutcomes, (r) => r.outcomes?.[k] ?? 0)])) as unknown as OutcomeCounts

  // The runs overlap in time (shards, machines started together): the merged run lasts from the first
  // start to the last end, and its rate is everything completed over that span.
  const starts = reports.map((r) => Date.parse(r.startedAt))
  const start = Math.min(...starts)
  const end = Math.max(...reports.map((r, i) => (starts[i] ?? start) + r.durationMs))
  const spanMs = end - start
  const errorRate = command === 'send' && outcomes !== undefined
    ? sendErrorRate(outcomes)
    : loadErrorRate({ completed: requests.completed, errors: requests.errors, status4xx: status['4xx'], status5xx: status['5xx'] })
  const latency = { corrected: summarize(histograms.corrected), raw: summarize(histograms.raw), startLag: summarize(histograms.startLag) }
  const thresholds = evaluateThresholds(opts.thresholds ?? {}, errorRate, latency.corrected.p99)

  const problems = [...shardCheck.problems, ...sameReportTwice(reports, names)]
  for (const [i, r] of reports.entries()) {
    for (const p of r.problems) problems.push(`${names[i] ?? ''}: ${p}`)
    if (r.interrupted !== null) problems.push(`${names[i] ?? ''}: the run was interrupted by ${r.interrupted}, its data covers only part of it`)
  }
  const passed = problems.length === 0 && thresholds.every((t) => t.passed)
  const merged: MergedInfo = { count: reports.length }
  if (opts.sources !== undefined) merged.files = [...names]
  if (shardCheck.shards !== undefined) merged.shards = shardCheck.shards

  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: 'notify-sender',
    version: opts.version ?? ownVersion,
    command,
    startedAt: new Date(start).toISOString(),
    durationMs: spanMs,
    settings: mergedSettings(reports),
    requests: {
      ...requests,
      rps: spanMs > 0 ? round((requests.completed * 1000) / spanMs, 1) : 0,
      errorRate: round(errorRate, 6)
    },
    status,
    errors,
    latency,
    bytes: { sent: sum(reports, (r) => r.bytes.sent), received: sum(reports, (r) => r.bytes.received) },
    connections: { opened: sum(reports, (r) => r.connections.opened), protocols },
    perAddress,
    workers: reports.flatMap((r, source) => r.workers.map((w) => ({ ...w, source }))),
    histograms: {
      corrected: encodeHistogram(histograms.corrected),
      raw: encodeHistogram(histograms.raw),
      startLag: encodeHistogram(histograms.startLag)
    },
    // Reports written before the timeline existed merge with an empty one.
    timeline: mergeTimelines(reports.map((r) => r.timeline)),
    thresholds,
    interrupted: reports.find((r) => r.interrupted !== null)?.interrupted ?? null,
    passed,
    exitCode: passed ? 0 : 1,
    problems
  }
  if (outcomes !== undefined) report.outcomes = outcomes
  const withDelivery = reports.filter((r) => r.delivery !== undefined)
  if (withDelivery.length > 0) {
    report.delivery = {
      possibleDuplicates: sum(withDelivery, (r) => r.delivery?.possibleDuplicates ?? 0),
      deliveryUnknown: sum(withDelivery, (r) => r.delivery?.deliveryUnknown ?? 0)
    }
  }
  report.merged = merged
  return report
}

function sum (reports: readonly Report[], get: (r: Report) => number): number {
  return reports.reduce((total, r) => total + get(r), 0)
}

// Decoded and added bucket by bucket: the merge is exactly the histogram one run over all samples would
// have recorded. Each input's count must match its own summary, or the file was altered or truncated.
function mergeHistograms (reports: readonly Report[], names: readonly string[]): Record<typeof HISTOGRAM_KEYS[number], LatencyHistogram> {
  const out = { corrected: createHistogram(), raw: createHistogram(), startLag: createHistogram() }
  for (const [i, r] of reports.entries()) {
    for (const k of HISTOGRAM_KEYS) {
      const encoded = r.histograms[k]
      if (encoded === '') continue
      let h: LatencyHistogram
      try {
        h = decodeHistogram(encoded)
      } catch (err) {
        throw new ReportError(`${names[i] ?? ''}: histograms.${k} is not an encoded HdrHistogram (${(err as Error).message})`, { cause: err })
      }
      if (h.totalCount !== r.latency[k].count) {
        throw new ReportError(`${names[i] ?? ''}: histograms.${k} holds ${h.totalCount} samples but latency.${k}.count says ${r.latency[k].count}; the file was altered or truncated`)
      }
      out[k].add(h)
    }
  }
  return out
}

// Two independent runs never start in the same millisecond with identical latency data; the same file
// passed twice (a glob plus an explicit name) would double every count.
function sameReportTwice (reports: readonly Report[], names: readonly string[]): string[] {
  const seen = new Map<string, number>()
  const problems: string[] = []
  for (const [i, r] of reports.entries()) {
    const key = `${r.startedAt}\n${r.durationMs}\n${r.histograms.corrected}\n${r.requests.started}`
    const earlier = seen.get(key)
    if (earlier !== undefined) problems.push(`${names[i] ?? ''} is the same report as ${names[earlier] ?? ''} (merged twice, counts are inflated)`)
    else seen.set(key, i)
  }
  return problems
}

// Settings of the first input (shards and CI machines run the same command line), with the total number
// of worker threads so the summary's "N worker(s)" describes the merged run.
function mergedSettings (reports: readonly Report[]): Record<string, unknown> {
  const settings = { ...reports[0]?.settings }
  if (reports.every((r) => typeof r.settings.workers === 'number')) settings.workers = sum(reports, (r) => r.settings.workers as number)
  return settings
}
