// `send`: Web Push to a stream of subscriptions. Resolves options (VAPID keys, payload, input, output),
// runs the supervisor with the feeder and reports per-line outcomes that reconcile with the input.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { normalizeOptions } from '../config/normalize.js'
import { inlineOrFile, parseWorkers, resolveEngine, resolveOutput } from '../config/resolve.js'
import type { RawOptions } from '../config/resolve.js'
import { DEFAULTS } from '../defaults.js'
import { InvalidOptionError, NotifySenderError } from '../errors.js'
import type { EngineOptions } from '../engine/options.js'
import { sendWorkload } from '../send/job.js'
import type { SendJob } from '../send/job.js'
import { createLogger } from '../log.js'
import { buildReport } from '../report/report.js'
import { sendErrorRate } from '../report/thresholds.js'
import type { OutcomeCounts, Report } from '../report/report.js'
import { version } from '../version.js'
import { compileEndpointPolicy } from '../webpush/endpoint-policy.js'
import { MAX_PLAINTEXT_BYTES } from '../webpush/encrypt.js'
import { encodeBase64Url } from '../webpush/base64url.js'
import { loadVapidKeys } from '../webpush/keys.js'
import { openInput, readLines } from '../input/lines.js'
import { looksLikeJsonArray, tapFirstLine } from '../input/first-line.js'
import { countLines } from '../input/line-count.js'
import { SendFeeder } from '../send/feeder.js'
import { describeWriteError, OutcomeFiles } from '../send/outcome-files.js'
import { writeReportFile } from '../report/write.js'
import { ResumeState } from '../send/resume.js'
import { identifyInput } from '../input/identity.js'
import { redactPostgresUrl } from '../input/postgres-url.js'
import type { ResumeMode } from '../send/resume.js'
import type { InputIdentity } from '../input/identity.js'
import { formatShard, resolveShard, shardFilter } from '../send/shard.js'
import type { Shard } from '../send/shard.js'
import type { PostgresSource } from '../input/postgres-source.js'
import { createSupervisor, engineSettings } from './handle.js'
import { EXIT } from '../report/exit-codes.js'
import type { RunHandle, RunHooks } from './handle.js'

/** Programmatic options of a send run: CLI option names in camelCase plus workers and the input. */
export interface SendOptions extends Record<string, unknown> {
  workers?: number
  /** A file path, '-' for stdin, or NDJSON chunks from memory. */
  subscriptions?: string | AsyncIterable<Buffer | string>
}

/** A resolved send run. */
export interface ResolvedSend {
  engine: EngineOptions
  job: SendJob
  raw: RawOptions
  input: AsyncIterable<Buffer | string>
  outDir: string | undefined
  /** Progress of earlier runs into the same --out, and this run's dispatch journal. */
  state: ResumeState | undefined
  resendIndeterminate: boolean
  /** `--shard`: only the lines of this shard are sent. */
  shard: Shard | undefined
  durationMs: number | undefined
  warnings: string[]
  /** The PostgreSQL source (URL redacted) when the input is `--source`/`--query`. */
  source?: { url: string, query: string } | undefined
  /** Lines of the input file or rows of the query, counted in the background (progress % and ETA); undefined for stdin. */
  totalLines?: Promise<number | undefined> | undefined
  /** Releases an input that holds a connection (a database source) when the run ends without reading it all. */
  closeInput?: (() => Promise<void>) | undefined
}

/** Validates and resolves everything a send needs before the first request (keys, payload, input). */
export async function resolveSend (
  raw: RawOptions,
  workers: string | number | undefined,
  input: AsyncIterable<Buffer | string> | undefined,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadStream = process.stdin
): Promise<ResolvedSend> {
  const w = parseWorkers(workers === undefined ? undefined : String(workers))
  const engine = resolveEngine(raw, 'send', w)
  const pg = postgresInput(raw, input !== undefined)
  const payloadArg = raw.payload
  if (payloadArg === undefined) throw new InvalidOptionError('--payload is required (it is the payload of every line that does not carry its own)')
  const payload = inlineOrFile(payloadArg, 'payload')
  if (payload.length > MAX_PLAINTEXT_BYTES) {
    throw new NotifySenderError(`--payload is ${payload.length} bytes; Web Push (RFC 8291, one 4096-byte record) allows at most ${MAX_PLAINTEXT_BYTES}`, 'NS_ERR_PAYLOAD_TOO_LARGE')
  }
  const allowHosts = raw.allowHost ?? []
  const allowPrivate = raw.allowPrivate === true
  compileEndpointPolicy({ allowHosts, allowPrivate })
  const shard = resolveShard(raw.shard, env)
  const keys = await loadVapidKeys({ file: raw.vapidKeys, env, subject: raw.subject })
  let source = input
  const outDir = raw.out
  const stateArg = raw.state
  if (stateArg !== undefined && outDir === undefined) throw new InvalidOptionError('--state needs --out: the outcome files are the record of what was already sent')
  const mode: ResumeMode = { resume: raw.resume === true, retryFailed: raw.retryFailed === true, resendIndeterminate: raw.resendIndeterminate === true }
  for (const [flag, on] of [['--resume', mode.resume], ['--retry-failed', mode.retryFailed], ['--resend-indeterminate', mode.resendIndeterminate]] as const) {
    if (on && outDir === undefined) throw new InvalidOptionError(`${flag} needs --out: the run to continue is the one recorded there`)
  }
  let inputIdentity: InputIdentity | null = null
  let totalLines: Promise<number | undefined> | undefined
  const warnings = [...keys.warnings]
  if (pg !== undefined) {
    const { hasOrderBy, identifyPostgresSource } = await import('../input/postgres-source.js')
    inputIdentity = identifyPostgresSource(pg.url, pg.query)
    // Resume matches rows by endpoint, so order does not matter to it; it still makes line numbers meaningful.
    if (outDir !== undefined && !hasOrderBy(pg.query)) warnings.push('--query has no ORDER BY: the "line" numbers in the outcome files follow the order PostgreSQL returns, which may change between runs; add ORDER BY on a unique key')
  } else if (source === undefined) {
    const path = raw.subscriptions
    if (path === undefined && stdin.isTTY) {
      throw new InvalidOptionError('no subscriptions: give --subscriptions <file> or pipe NDJSON on stdin')
    }
    source = await openInput(path ?? '-', stdin)
    inputIdentity = identifyInput(path)
    if (path !== undefined && path !== '-') totalLines = countLines(path).catch(() => undefined)
  }
  const job: SendJob = {
    kind: 'send',
    payload: payload.toString('utf8'),
    vapid: { publicKey: encodeBase64Url(keys.publicKey), privateKey: encodeBase64Url(keys.privateKey), subject: keys.subject },
    ttlSeconds: raw.ttl ?? DEFAULTS.ttl,
    urgency: raw.urgency,
    topic: raw.topic,
    retries: raw.retries ?? DEFAULTS.retries,
    allowHosts,
    allowPrivate,
    dryRun: raw.dryRun === true,
    maxRetryAfterMs: raw.maxRetryAfter ?? DEFAULTS.maxRetryAfter,
    authFailureLimit: DEFAULTS.send.authFailureLimit
  }
  let pgSource: PostgresSource | undefined
  if (pg !== undefined) {
    // Opened after everything that needs no database, so a failed check leaves no connection behind.
    const { openPostgresSource } = await import('../input/postgres-source.js')
    source = pgSource = await openPostgresSource(pg)
    const { countPostgresRows } = await import('../input/postgres-count.js')
    totalLines = countPostgresRows(pg.url, pg.query)
  }
  if (source === undefined) throw new NotifySenderError('no input was opened', 'NS_ERR_INTERNAL')
  let state: ResumeState | undefined
  try {
    state = outDir === undefined ? undefined : await openState(outDir, inputIdentity, stateArg, shard, mode)
  } catch (err) {
    await pgSource?.close()
    throw err
  }
  return {
    // The duration of a send is enforced here, as a clean stop, not by the workers' schedule.
    engine: { ...engine, durationMs: undefined, refusePrivateAddresses: !allowPrivate },
    job,
    raw,
    input: source,
    outDir,
    state,
    resendIndeterminate: raw.resendIndeterminate === true,
    shard,
    durationMs: engine.durationMs,
    warnings,
    source: pg === undefined ? undefined : { url: redactPostgresUrl(pg.url), query: pg.query },
    closeInput: pgSource?.close.bind(pgSource),
    totalLines
  }
}

/** `--source` and `--query`, checked against each other and against the other inputs. */
export function postgresInput (raw: RawOptions, hasIterable: boolean): { url: string, query: string } | undefined {
  const url = raw.source
  const query = raw.query
  if (url === undefined) {
    if (query !== undefined) throw new InvalidOptionError('--query needs --source: it is the SQL run on that PostgreSQL database')
    return undefined
  }
  if (raw.subscriptions !== undefined || hasIterable) throw new InvalidOptionError('--source and --subscriptions cannot be used together: give one input')
  if (query === undefined) throw new InvalidOptionError('--source needs --query: the SQL that selects the subscriptions (e.g. --query "select endpoint, p256dh, auth, id from subscriptions order by id")')
  return { url, query }
}

async function openState (outDir: string, identity: InputIdentity | null, statePath: string | undefined, shard: Shard | undefined, mode: ResumeMode): Promise<ResumeState> {
  try {
    mkdirSync(outDir, { recursive: true })
  } catch (err) {
    throw new InvalidOptionError(`--out: cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  return await ResumeState.open(outDir, identity, statePath ?? join(outDir, DEFAULTS.send.stateFile), shard === undefined ? null : formatShard(shard), mode)
}

/** Starts a send from programmatic options. */
export function startSend (options: SendOptions, hooks: RunHooks = {}): RunHandle {
  const { workers, subscriptions, ...rest } = options
  const raw = normalizeOptions(typeof subscriptions === 'string' ? { ...rest, subscriptions } : rest, 'send')
  const iterable = typeof subscriptions === 'string' ? undefined : subscriptions
  let handle: RunHandle | null = null
  let pendingStop: NodeJS.Signals | null = null
  const done = resolveSend(raw, workers, iterable).then(async (r) => {
    handle = startResolvedSend(r, hooks)
    if (pendingStop !== null) handle.stop(pendingStop)
    return await handle.done
  })
  return {
    done,
    stop (signal: NodeJS.Signals = 'SIGINT') {
      if (handle === null) pendingStop = signal
      else handle.stop(signal)
    }
  }
}

/** Sends and resolves with the report. */
export async function runSend (options: SendOptions, hooks: RunHooks = {}): Promise<Report> {
  return await startSend(options, hooks).done
}

/** Starts an already resolved send. */
export function startResolvedSend (r: ResolvedSend, hooks: RunHooks = {}): RunHandle {
  const output = resolveOutput(r.raw, 'send')
  let firstLine: string | undefined
  const aborted = new Map<string, string>()
  const logger = hooks.logger ?? createLogger({ level: output.logLevel, pretty: false })
  // A write error under --out (disk full) or an outcome file deleted under the run: stop sending at once,
  // let the in-flight requests finish, write what can be written, exit EXIT.output (#12).
  let outputError: Error | null = null
  let stopForOutput: () => void = () => {}
  const onOutputError = (err: Error): void => {
    if (outputError !== null) return
    outputError = err
    logger.error(`${err.message}; stopping: nothing new is sent, in-flight requests finish; resume with --resume once it is fixed`)
    stopForOutput()
  }
  const files = r.outDir === undefined ? null : new OutcomeFiles(r.outDir, { fresh: r.state?.resumed !== true, onError: onOutputError })
  const feeder = new SendFeeder({
    input: tapFirstLine(readLines(r.input), (text) => { firstLine = text }),
    files,
    windowPerWorker: Math.max(2 * Math.ceil(r.engine.concurrency / r.engine.workers), 256),
    batchSize: 64,
    logger,
    state: r.state,
    resendIndeterminate: r.resendIndeterminate,
    belongs: r.shard === undefined ? undefined : shardFilter(r.shard),
    onOriginAbort: (origin, reason) => { aborted.set(origin, reason) },
    onWriteError: (err) => { onOutputError(new NotifySenderError(`cannot write the dispatch journal in ${r.outDir ?? ''}: ${describeWriteError(err)}`, 'NS_ERR_OUTPUT', { cause: err })) },
    totalLines: r.totalLines
  })
  const { supervisor } = createSupervisor(r.engine, sendWorkload(r.job), output, { ...hooks, logger }, feeder)
  stopForOutput = () => { supervisor.stop(output.graceMs) }
  for (const w of r.warnings) logger.warn(w)
  if (r.shard !== undefined) logger.info({ shard: formatShard(r.shard) }, 'sharded send: only the lines of this shard are sent')
  if (r.state?.resumed === true) logger.info({ out: r.outDir }, 'resuming: lines settled by earlier runs are skipped')
  else if (r.raw.resume === true) logger.info({ out: r.outDir }, '--resume: no unfinished run in --out, starting a fresh one')
  let interrupted: NodeJS.Signals | null = null
  let durationTimer: NodeJS.Timeout | undefined
  const durationMs = r.durationMs
  if (durationMs !== undefined) {
    // Armed at the workers' shared start: spawning them can take longer than a short --duration.
    void supervisor.started.then((startsInMs) => {
      durationTimer = setTimeout(() => {
        logger.info({ durationMs, line: feeder.lastLine }, 'duration reached: stopping after the in-flight messages')
        supervisor.stop(output.graceMs)
      }, startsInMs + durationMs)
      durationTimer.unref()
    })
  }
  const done = supervisor.run().finally(() => {
    clearTimeout(durationTimer)
    r.state?.close()
  }).then(async (result) => {
    await files?.close()
    // A database source closes itself when read to the end or left early; this covers a run that never read it.
    await r.closeInput?.()
    // The row count's connection must be gone before the run reports (it is usually long done).
    await r.totalLines
    const c = feeder.counts
    const problems: string[] = []
    // A run that read everything and settled every line closes its state: the same command next time
    // starts fresh instead of finding everything "already settled" (#11).
    if (r.state !== undefined && outputError === null && interrupted === null && feeder.inputComplete && feeder.readError === null && c.notAttempted === 0) {
      try {
        r.state.finish()
      } catch (err) {
        onOutputError(new NotifySenderError(`cannot close the run state ${r.state.statePath}: ${describeWriteError(err)}`, 'NS_ERR_OUTPUT', { cause: err }))
      }
    }
    const settled = c.sent + c.expired + c.failed + c.invalid + c.dryRun + c.notAttempted + c.indeterminate + c.skipped
    if (settled !== c.read) problems.push(`outcome counts do not reconcile: read ${c.read}, settled ${settled}`)
    if (feeder.readError !== null) problems.push(`reading the subscriptions failed at line ${feeder.lastLine}: ${feeder.readError.message}`)
    for (const [origin, reason] of aborted) problems.push(`push service ${origin} aborted: ${reason}`)
    const report = buildReport(result, {
      command: 'send',
      version,
      settings: sendSettings(r, feeder.inputComplete, feeder.lastLine),
      thresholds: output.thresholds,
      interrupted,
      outcomes: { ...c } satisfies OutcomeCounts,
      delivery: { ...feeder.delivery },
      shard: r.shard === undefined ? undefined : { ...r.shard, otherShardLines: feeder.otherShardLines },
      errorRate: sendErrorRate(c),
      problems,
      hints: { caGiven: r.engine.tls.ca !== undefined, inputLooksLikeJsonArray: c.invalid > 0 && looksLikeJsonArray(firstLine) }
    })
    const markFailure = (): void => {
      const failure = outputError as Error | null
      if (failure === null || report.exitCode === EXIT.output) return
      // Takes precedence over a signal's code: the outcome files are incomplete, whatever stopped the run.
      report.problems.push(`output failure: ${failure.message}`)
      report.passed = false
      report.exitCode = EXIT.output
    }
    markFailure()
    if (r.outDir !== undefined) {
      try {
        writeReportFile(join(r.outDir, 'report.json'), report)
      } catch (err) {
        onOutputError(new NotifySenderError(`cannot write ${join(r.outDir, 'report.json')}: ${describeWriteError(err)}`, 'NS_ERR_OUTPUT', { cause: err }))
        markFailure()
      }
    }
    return report
  })
  return {
    done,
    stop (signal: NodeJS.Signals = 'SIGINT') {
      interrupted ??= signal
      supervisor.stop(output.graceMs)
    }
  }
}

function sendSettings (r: ResolvedSend, inputComplete: boolean, lastLine: number): Record<string, unknown> {
  const j = r.job
  return {
    ...engineSettings(r.engine),
    durationMs: r.durationMs ?? null,
    ttlSeconds: j.ttlSeconds,
    urgency: j.urgency ?? null,
    topic: j.topic ?? null,
    retries: j.retries,
    dryRun: j.dryRun,
    payloadBytes: Buffer.byteLength(j.payload),
    vapidSubject: j.vapid.subject,
    vapidPublicKey: j.vapid.publicKey,
    out: r.outDir ?? null,
    shard: r.shard === undefined ? null : formatShard(r.shard),
    ...(r.source === undefined ? {} : { source: r.source.url, query: r.source.query }),
    inputComplete,
    lastLine
  }
}
