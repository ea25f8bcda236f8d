// Turns parsed option values (command line merged over the config file) into the engine's resolved
// options: applies defaults, reads referenced files eagerly and rejects contradictory combinations
// before anything is sent.
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs'
import { dirname, resolve as resolvePath } from 'node:path'
import { availableParallelism } from 'node:os'
import { InvalidOptionError } from '../errors.js'
import { parseUrl } from './parse.js'
import { flagName } from './options.js'
import type { OptionKey } from './options.js'
import type { EngineOptions, ResolveEntry, Stage } from '../engine/options.js'
import type { LoadJob, LoadTarget } from '../load/job.js'
import type { Thresholds } from '../report/report.js'
import { DEFAULT_SEND_MAX_ERROR_RATE } from '../report/thresholds.js'

/** Parsed option values by key (what commander and the config file produce). */
export type RawOptions = Partial<Record<OptionKey, unknown>>

/** Defaults applied when neither the command line nor the config file gives a value. */
export const DEFAULTS = Object.freeze({
  /** Per worker: without -c, the total is this times the worker count. */
  concurrency: 100,
  streams: 100,
  pipelining: 1,
  closedRampUpMs: 1000,
  loadDurationMs: 10_000,
  timeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  connectRate: 100,
  graceMs: 5000,
  logLevel: 'info',
  maxResponseBytes: 64 * 1024,
  maxRestarts: 3
})

/** Output and exit-code settings shared by the engine commands. */
export interface OutputSettings {
  json: boolean
  reportFile: string | undefined
  /** `--timeline`: the per-second timeline as CSV. */
  timelineFile?: string | undefined
  /** `--hgrm`: prefix of the .hgrm percentile distributions of the final histograms. */
  hgrm?: string | undefined
  /** `--html`: the self-contained HTML report. */
  htmlFile?: string | undefined
  /** `--metrics-port`, `--metrics-host`, `--metrics-file`: Prometheus metrics of the run. */
  metrics?: { port: number | undefined, host: string, file: string | undefined } | undefined
  quiet: boolean
  logLevel: string
  graceMs: number
  thresholds: Thresholds
}

/** Reads a file named by an option, with an error that names the option. */
export function readOptionFile (path: string, key: OptionKey): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new InvalidOptionError(`${flagName(key)}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

/** Reads `value` or, when it starts with @, the file it names. */
export function inlineOrFile (value: string, key: OptionKey): Buffer {
  return value.startsWith('@') ? readOptionFile(value.slice(1), key) : Buffer.from(value, 'utf8')
}

function get<T> (raw: RawOptions, key: OptionKey): T | undefined {
  return raw[key] as T | undefined
}

/** Positional `workers` argument: defaults to the number of cores. */
export function parseWorkers (value: string | undefined): number {
  if (value === undefined) return availableParallelism()
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidOptionError(`workers must be a positive integer (the number of worker threads), got ${JSON.stringify(value)}`)
  }
  if (n > 1024) throw new InvalidOptionError(`workers must be at most 1024, got ${n}`)
  return n
}

/** Splits `load` positionals into URLs and the trailing worker count (`load <url...> [workers]`). */
export function splitLoadTargets (targets: readonly string[]): { urls: string[], workers: string | undefined } {
  const last = targets.at(-1)
  // A bare number is never a URL, so it is the worker count even on its own (`load 12` with the URLs in
  // the config file).
  if (last !== undefined && /^\d+$/.test(last)) return { urls: targets.slice(0, -1), workers: last }
  return { urls: [...targets], workers: undefined }
}

/** Resolves the engine settings common to load and send. */
export function resolveEngine (raw: RawOptions, command: 'load' | 'send', workers: number): EngineOptions {
  const rate = get<number>(raw, 'rate')
  const stages = get<Stage[]>(raw, 'stages') ?? []
  const rampUp = get<number>(raw, 'rampUp')
  const http = get<1 | 2 | 'auto'>(raw, 'http') ?? 'auto'
  const pipelining = get<number>(raw, 'pipelining')
  const insecure = get<boolean>(raw, 'insecure') === true
  const caPath = get<string>(raw, 'ca')
  if (rate !== undefined && stages.length > 0) throw new InvalidOptionError('--rate and --stages cannot be combined: each stage carries its own rate')
  if (rampUp !== undefined && stages.length > 0) throw new InvalidOptionError('--ramp-up and --stages cannot be combined: the first stage is the ramp')
  if (http === 2 && pipelining !== undefined && pipelining > 1) {
    throw new InvalidOptionError('--pipelining applies to HTTP/1.1; with --http=2 use --streams for streams per connection')
  }
  let durationMs = get<number>(raw, 'duration')
  const requests = get<number>(raw, 'requests')
  if (durationMs === undefined && stages.length > 0) durationMs = stages.reduce((t, s) => t + s.durationMs, 0)
  // Every load run is bounded: without a budget or a duration it stops after the default duration.
  if (command === 'load' && durationMs === undefined && requests === undefined) durationMs = DEFAULTS.loadDurationMs
  const open = rate !== undefined || stages.length > 0
  // -c is the total in flight across the workers (#11, as autocannon, h2load and oha count it).
  const concurrency = get<number>(raw, 'concurrency') ?? DEFAULTS.concurrency * workers
  if (concurrency < workers) {
    throw new InvalidOptionError(`--concurrency is the total in flight across the workers: ${concurrency} is fewer than the ${workers} workers (each needs at least 1); give fewer workers or a larger --concurrency`)
  }
  return {
    workers,
    http,
    concurrency,
    connections: get<number>(raw, 'connections'),
    streams: get<number>(raw, 'streams') ?? DEFAULTS.streams,
    pipelining: pipelining ?? DEFAULTS.pipelining,
    rate,
    stages,
    rampUpMs: rampUp ?? (open ? 0 : DEFAULTS.closedRampUpMs),
    durationMs,
    requests,
    timeoutMs: get<number>(raw, 'timeout') ?? DEFAULTS.timeoutMs,
    connectTimeoutMs: get<number>(raw, 'connectTimeout') ?? DEFAULTS.connectTimeoutMs,
    connectRate: get<number>(raw, 'connectRate') ?? DEFAULTS.connectRate,
    tls: {
      ca: caPath === undefined ? undefined : readPem(caPath),
      rejectUnauthorized: !insecure
    },
    forceDns: get<boolean>(raw, 'forceDns') === true,
    resolve: get<ResolveEntry[]>(raw, 'resolve') ?? [],
    dnsServers: get<string[]>(raw, 'dnsServer') ?? [],
    refusePrivateAddresses: false,
    // A load test reads whole bodies (they are the workload); a send only needs the status.
    maxResponseBytes: command === 'send' ? DEFAULTS.maxResponseBytes : undefined,
    graceMs: get<number>(raw, 'grace') ?? DEFAULTS.graceMs
  }
}

function readPem (path: string): string {
  const pem = readOptionFile(path, 'ca').toString('utf8')
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidOptionError(`--ca: ${path} is not a PEM certificate`)
  return pem
}

// The report is written when the run ends: an unwritable path must fail now, as a usage error, not after
// a long run whose report would then be lost.
function writableReportPath (path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  const dir = dirname(resolvePath(path))
  try {
    accessSync(dir, fsConstants.W_OK)
  } catch (err) {
    throw new InvalidOptionError(`--report: cannot write ${path}: directory ${dir} ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let isDir = false
  try {
    isDir = statSync(path).isDirectory()
  } catch {}
  if (isDir) throw new InvalidOptionError(`--report: ${path} is a directory`)
  return path
}

/** Resolves output settings and thresholds; `send` has a default --max-error-rate (#11), load has none. */
export function resolveOutput (raw: RawOptions, command?: 'load' | 'send'): OutputSettings {
  const maxErrorRate = get<number>(raw, 'maxErrorRate') ?? (command === 'send' ? DEFAULT_SEND_MAX_ERROR_RATE : undefined)
  return {
    json: get<boolean>(raw, 'json') === true,
    reportFile: writableReportPath(get<string>(raw, 'report')),
    timelineFile: get<string>(raw, 'timeline'),
    hgrm: get<string>(raw, 'hgrm'),
    htmlFile: get<string>(raw, 'html'),
    metrics: get<number>(raw, 'metricsPort') === undefined && get<string>(raw, 'metricsFile') === undefined
      ? undefined
      : { port: get<number>(raw, 'metricsPort'), host: get<string>(raw, 'metricsHost') ?? '127.0.0.1', file: get<string>(raw, 'metricsFile') },
    quiet: get<boolean>(raw, 'quiet') === true,
    logLevel: get<string>(raw, 'logLevel') ?? DEFAULTS.logLevel,
    graceMs: get<number>(raw, 'grace') ?? DEFAULTS.graceMs,
    thresholds: { maxErrorRate, maxP99Ms: get<number>(raw, 'maxP99') }
  }
}

/** Resolves the load job: URLs (positional and --urls-file), method, headers and body. */
export function resolveLoadJob (raw: RawOptions, urls: readonly string[]): LoadJob {
  const all = [...urls]
  const urlsFile = get<string>(raw, 'urlsFile')
  if (urlsFile !== undefined) {
    for (const line of readOptionFile(urlsFile, 'urlsFile').toString('utf8').split(/\r?\n/)) {
      const t = line.trim()
      if (t !== '' && !t.startsWith('#')) all.push(t)
    }
  }
  if (all.length === 0) throw new InvalidOptionError('load needs at least one URL (positional, --urls-file or "urls" in the config file)')
  const bodyArg = get<string>(raw, 'body')
  const body = bodyArg === undefined ? undefined : inlineOrFile(bodyArg, 'body')
  const method = get<string>(raw, 'method') ?? (body === undefined ? 'GET' : 'POST')
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new InvalidOptionError(`--body cannot be sent with --method ${method}; use POST, PUT or PATCH`)
  }
  const headers = get<Array<[string, string]>>(raw, 'header') ?? []
  const targets: LoadTarget[] = all.map((u) => {
    const url = parseUrl(u, 'URL')
    return { url: url.href, method, headers, body }
  })
  return { kind: 'load', targets }
}
