// Turns parsed option values (command line merged over the config file) into the engine's resolved
// options: applies defaults, reads referenced files eagerly and rejects contradictory combinations
// before anything is sent.
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs'
import { dirname, resolve as resolvePath } from 'node:path'
import { availableParallelism } from 'node:os'
import { InvalidOptionError } from '../errors.js'
import { parseUrl } from './parse.js'
import { flagName } from './options.js'
import type { OptionKey, ParsedOptions } from './options.js'
import { DEFAULTS } from '../defaults.js'
import type { EngineOptions } from '../engine/options.js'
import type { LoadJob, LoadTarget } from '../load/job.js'
import type { Thresholds } from '../report/report.js'

/** Parsed option values by key: the command line merged over the config file. */
export type RawOptions = ParsedOptions

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
  const rate = raw.rate
  const stages = raw.stages ?? []
  const rampUp = raw.rampUp
  const http = raw.http ?? DEFAULTS.http
  const pipelining = raw.pipelining
  const caPath = raw.ca
  if (rate !== undefined && stages.length > 0) throw new InvalidOptionError('--rate and --stages cannot be combined: each stage carries its own rate')
  if (rampUp !== undefined && stages.length > 0) throw new InvalidOptionError('--ramp-up and --stages cannot be combined: the first stage is the ramp')
  if (http === 2 && pipelining !== undefined && pipelining > 1) {
    throw new InvalidOptionError('--pipelining applies to HTTP/1.1; with --http=2 use --streams for streams per connection')
  }
  let durationMs = raw.duration
  const requests = raw.requests
  if (durationMs === undefined && stages.length > 0) durationMs = stages.reduce((t, s) => t + s.durationMs, 0)
  // Every load run is bounded: without a budget or a duration it stops after the default duration.
  if (command === 'load' && durationMs === undefined && requests === undefined) durationMs = DEFAULTS.load.duration
  const open = rate !== undefined || stages.length > 0
  // -c is the total in flight across the workers (#11, as autocannon, h2load and oha count it).
  const concurrency = raw.concurrency ?? DEFAULTS.engine.concurrencyPerWorker * workers
  if (concurrency < workers) {
    throw new InvalidOptionError(`--concurrency is the total in flight across the workers: ${concurrency} is fewer than the ${workers} workers (each needs at least 1); give fewer workers or a larger --concurrency`)
  }
  return {
    workers,
    http,
    concurrency,
    connections: raw.connections,
    streams: raw.streams ?? DEFAULTS.streams,
    pipelining: pipelining ?? DEFAULTS.pipelining,
    rate,
    stages,
    rampUpMs: rampUp ?? (open ? 0 : DEFAULTS.engine.closedRampUp),
    durationMs,
    requests,
    timeoutMs: raw.timeout ?? DEFAULTS.timeout,
    connectTimeoutMs: raw.connectTimeout ?? DEFAULTS.connectTimeout,
    connectRate: raw.connectRate ?? DEFAULTS.connectRate,
    tls: {
      ca: caPath === undefined ? undefined : readPem(caPath),
      rejectUnauthorized: raw.insecure !== true
    },
    forceDns: raw.forceDns === true,
    resolve: raw.resolve ?? [],
    dnsServers: raw.dnsServer ?? [],
    refusePrivateAddresses: false,
    // A load test reads whole bodies (they are the workload); a send only needs the status.
    maxResponseBytes: command === 'send' ? DEFAULTS.send.maxResponseBytes : undefined,
    graceMs: raw.grace ?? DEFAULTS.grace
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
  const maxErrorRate = raw.maxErrorRate ?? (command === 'send' ? DEFAULTS.send.maxErrorRate : undefined)
  return {
    json: raw.json === true,
    reportFile: writableReportPath(raw.report),
    timelineFile: raw.timeline,
    hgrm: raw.hgrm,
    htmlFile: raw.html,
    metrics: raw.metricsPort === undefined && raw.metricsFile === undefined
      ? undefined
      : { port: raw.metricsPort, host: raw.metricsHost ?? DEFAULTS.metricsHost, file: raw.metricsFile },
    quiet: raw.quiet === true,
    logLevel: raw.logLevel ?? DEFAULTS.logLevel,
    graceMs: raw.grace ?? DEFAULTS.grace,
    thresholds: { maxErrorRate, maxP99Ms: raw.maxP99 }
  }
}

/** Resolves the load job: URLs (positional and --urls-file), method, headers and body. */
export function resolveLoadJob (raw: RawOptions, urls: readonly string[]): LoadJob {
  const all = [...urls]
  const urlsFile = raw.urlsFile
  if (urlsFile !== undefined) {
    for (const line of readOptionFile(urlsFile, 'urlsFile').toString('utf8').split(/\r?\n/)) {
      const t = line.trim()
      if (t !== '' && !t.startsWith('#')) all.push(t)
    }
  }
  if (all.length === 0) throw new InvalidOptionError('load needs at least one URL (positional, --urls-file or "urls" in the config file)')
  const bodyArg = raw.body
  const body = bodyArg === undefined ? undefined : inlineOrFile(bodyArg, 'body')
  const method = raw.method ?? (body === undefined ? 'GET' : 'POST')
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new InvalidOptionError(`--body cannot be sent with --method ${method}; use POST, PUT or PATCH`)
  }
  const headers = raw.header ?? []
  const targets: LoadTarget[] = all.map((u) => {
    const url = parseUrl(u, 'URL')
    return { url: url.href, method, headers, body }
  })
  return { kind: 'load', targets }
}
