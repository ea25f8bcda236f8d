// CLI entry: parse → validate → call the library → render. Sets the documented exit code:
// 0 ok, 1 run failed or threshold breached, 2 usage or configuration error, 128+signal interrupted.
import { CommanderError } from 'commander'
import type { Logger } from 'pino'
import { EXIT } from '../report/exit-codes.js'
import { buildProgram } from './program.js'
import type { ParsedCommand } from './program.js'
import { createProgress } from './progress.js'
import type { ProgressSample } from '../engine/supervisor.js'
import type { RunMetrics } from '../metrics/exporter.js'
import type { MetricsServer } from '../metrics/server.js'
import { writeMetricsFile } from '../metrics/server.js'
import { emitReport } from './emit-report.js'
import { isUsageError } from '../errors.js'
import { createLogger } from '../log.js'
import { loadConfigFile, mergeOptions } from '../config/file.js'
import { CONFIG_FILE_NAME } from '../defaults.js'
import { resolveOutput, splitLoadTargets } from '../config/resolve.js'
import type { OutputSettings } from '../config/resolve.js'
import type { Report } from '../report/report.js'
import type { RunHandle, RunHooks } from '../run/handle.js'
import { InvalidOptionError } from '../errors.js'
import { didYouMean } from '../config/suggest.js'
import { ORDER } from './program.js'
import { argvPasswordWarning } from './argv-secrets.js'

// If something (a stuck socket, a third-party timer) keeps the loop alive after the report is written,
// a cron job must still end: this is the only place the process is exited explicitly.
const EXIT_WATCHDOG_MS = 10_000

function loggerFor (output: Pick<OutputSettings, 'logLevel'>): Logger {
  return createLogger({ level: output.logLevel, pretty: process.stderr.isTTY })
}

/** Runs an engine command (load/send) to the end: progress, signals, report, exit code. */
async function runEngineCommand (start: (hooks: RunHooks) => RunHandle, output: OutputSettings, logger: Logger, command: 'load' | 'send' = 'send'): Promise<Report> {
  const tty = process.stderr.isTTY
  const progress = createProgress({ tty, quiet: output.quiet, logger, command })
  const metrics = output.metrics === undefined ? undefined : await startMetrics(output.metrics, command, logger)
  const onProgress = metrics === undefined
    ? progress.onProgress
    : (p: ProgressSample) => { progress.onProgress(p); metrics.run.sample(p) }
  const handle = start({ logger, onProgress, prettyLogs: tty, ownsProcess: true })
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      progress.clear()
      logger.warn({ signal, graceMs: output.graceMs }, 'stopping: waiting for in-flight requests, then writing the report (signal again to force)')
      handle.stop(signal)
      return
    }
    // Second signal: the user insists. Re-raise it with the default action so the shell sees 128+signal.
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    process.kill(process.pid, signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const report = await handle.done
    progress.clear()
    if (metrics !== undefined) {
      metrics.run.final(report)
      if (output.metrics?.file !== undefined) await writeMetricsFile(output.metrics.file, metrics.run)
    }
    emitReport(report, output)
    return report
  } finally {
    await metrics?.server?.close()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

/**
 * #11: a word that is no command used to fall through to the default `send` (`notify-sender lod URL`
 * then failed on "workers"). The default command's only positional is a worker count, so any other
 * word in its place is a mistyped command.
 */
function unknownCommand (word: string): InvalidOptionError {
  return new InvalidOptionError(`unknown command ${JSON.stringify(word)}${didYouMean(word, ORDER, false)}; the commands are ${ORDER.join(', ')} (send is the default: notify-sender [workers] [options])`)
}

function isCommandWord (word: string | undefined): boolean {
  return word === undefined || word.startsWith('-') || /^\d+$/.test(word) || word === 'help' || (ORDER as readonly string[]).includes(word)
}

// Before anything can fail: the password is exposed from the moment the process starts.
function warnArgvPassword (parsed: ParsedCommand): void {
  const warning = argvPasswordWarning(parsed.options)
  if (warning !== undefined) process.stderr.write(`notify-sender: warning: ${warning}\n`)
}

// --metrics-*: the run's metrics, served while it runs when a port is given.
async function startMetrics (opts: NonNullable<OutputSettings['metrics']>, command: 'load' | 'send', logger: Logger): Promise<{ run: RunMetrics, server: MetricsServer | undefined }> {
  const { RunMetrics } = await import('../metrics/exporter.js')
  const run = new RunMetrics(command)
  if (opts.port === undefined) return { run, server: undefined }
  const { startMetricsServer } = await import('../metrics/server.js')
  const server = await startMetricsServer(run, opts.host, opts.port)
  // Host and port, not the URL: the log redacts URL paths.
  logger.info(`serving Prometheus metrics on ${server.url.replace(/^http:\/\/|\/metrics$/g, '')} (path /metrics)`)
  return { run, server }
}

async function dispatch (parsed: ParsedCommand): Promise<void> {
  switch (parsed.command) {
    // Each command imports what it runs only when it runs (`--help` and `keys` need no HTTP stack or
    // simulator): start-up CPU is part of every short CI or cron run.
    case 'load': {
      const { resolveLoad, startResolvedLoad } = await import('../run/load.js')
      const file = loadConfigFile(parsed.options.config, 'load')
      const raw = mergeOptions(file?.options, parsed.options)
      const { urls, workers } = splitLoadTargets(parsed.args)
      const resolved = resolveLoad(raw, urls.length > 0 ? urls : (file?.urls ?? []), workers ?? file?.workers)
      const output = resolveOutput(raw)
      const logger = loggerFor(output)
      await runEngineCommand((hooks) => startResolvedLoad(resolved, hooks), output, logger, 'load')
      return
    }
    case 'send': {
      const word = parsed.args[0]
      if (word !== undefined && !isCommandWord(word)) throw unknownCommand(word)
      warnArgvPassword(parsed)
      const { resolveSend, startResolvedSend } = await import('../run/send.js')
      const file = loadConfigFile(parsed.options.config, 'send')
      // `notify-sender 12` relies on the config file; cron often runs elsewhere than the user thinks
      // (#11): say it is missing before any error about the options it would have given.
      if (file === undefined && process.argv[2] !== 'send') {
        process.stderr.write(`notify-sender: no ${CONFIG_FILE_NAME} in ${process.cwd()}: send runs with the command-line options only (--config <file> names one elsewhere)\n`)
      }
      const raw = mergeOptions(file?.options, parsed.options)
      const output = resolveOutput(raw, 'send')
      const logger = loggerFor(output)
      const resolved = await resolveSend(raw, parsed.args[0] ?? file?.workers, undefined)
      await runEngineCommand((hooks) => startResolvedSend(resolved, hooks), output, logger)
      return
    }
    case 'demo': {
      const { startResolvedSend } = await import('../run/send.js')
      const { checkDemo, prepareDemo } = await import('../run/demo.js')
      const raw = parsed.options
      const output = resolveOutput(raw)
      const logger = loggerFor(output)
      const demo = await prepareDemo(raw, parsed.args[0])
      logger.info({ simulator: demo.simulator.origin, out: demo.outDir }, 'demo: simulator started, sending')
      try {
        const check = await runEngineCommand((hooks) => startResolvedSend(demo.send, hooks), output, logger)
        const result = checkDemo(check, demo.simulator.stats())
        process.stderr.write(result.summary + '\n')
        if (!result.consistent && process.exitCode === 0) process.exitCode = EXIT.failed
      } finally {
        await demo.simulator.close()
      }
      return
    }
    case 'simulate': {
      const { startStandaloneSimulator } = await import('../run/simulate.js')
      const raw = parsed.options
      const output = resolveOutput(raw)
      const logger = loggerFor(output)
      const sim = await startStandaloneSimulator(raw)
      const info = {
        origin: sim.simulator.origin,
        ca: sim.caPath,
        subscriptions: sim.subscriptionsPath,
        count: sim.count,
        stats: `${sim.simulator.origin}/__stats`,
        send: `notify-sender send -s ${sim.subscriptionsPath} --ca ${sim.caPath} --allow-host ${new URL(sim.simulator.origin).host} --allow-private --vapid-keys <keys.json> -p <payload>`
      }
      process.stdout.write(JSON.stringify(info) + '\n')
      logger.info(info, 'simulator listening; stop it with Ctrl-C')
      const duration = raw.duration
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.removeListener('SIGINT', stop)
          process.removeListener('SIGTERM', stop)
          clearTimeout(timer)
          resolve()
        }
        const timer = duration === undefined ? undefined : setTimeout(stop, duration)
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
      const stats = sim.simulator.stats()
      await sim.simulator.close()
      // The final counts are this command's result: stdout, one JSON line.
      process.stdout.write(JSON.stringify({ stats }) + '\n')
      return
    }
    case 'keys': {
      const { formatVapidKeysJson, generateVapidKeys } = await import('../webpush/keys.js')
      const { validateSubject } = await import('../webpush/vapid.js')
      const subject = parsed.options.subject
      if (subject !== undefined) validateSubject(subject)
      // The only output: a key file to redirect (`notify-sender keys > vapid.json`), never logged.
      process.stdout.write(formatVapidKeysJson({ ...generateVapidKeys(), subject }))
      return
    }
    case 'merge': {
      const { runMerge } = await import('./merge.js')
      runMerge(parsed.args, parsed.options)
      return
    }
    case 'config': {
      warnArgvPassword(parsed)
      const { runConfigCommand } = await import('../run/config.js')
      const { formatDescription } = await import('../config/describe.js')
      const result = await runConfigCommand(parsed.args, parsed.options)
      if (result.kind === 'schema') {
        process.stdout.write(JSON.stringify(result.schema, null, 2) + '\n')
        return
      }
      for (const w of result.warnings) process.stderr.write(`notify-sender: warning: ${w}\n`)
      process.stdout.write(formatDescription(result.description))
      return
    }
    default:
      throw new InvalidOptionError(`the ${parsed.command} command is not available yet`)
  }
}

async function main (): Promise<void> {
  const program = buildProgram(dispatch)
  try {
    const first = process.argv[2]
    if (!isCommandWord(first)) throw unknownCommand(first as string)
    await program.parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version are successful exits.
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage
      return
    }
    const code = (err as { code?: string }).code
    process.stderr.write(`notify-sender: ${(err as Error).message}${code !== undefined ? ` [${code}]` : ''}\n`)
    process.exitCode = isUsageError(err) ? EXIT.usage : EXIT.failed
  }
}

await main()
// eslint-disable-next-line n/no-process-exit -- see EXIT_WATCHDOG_MS: a finished cron job must not hang
setTimeout(() => { process.exit() }, EXIT_WATCHDOG_MS).unref()
