// Live progress once per second: a rewritten status line on a terminal, a pino NDJSON line otherwise
// (CI logs and cron mail get structured, greppable progress instead of carriage returns).
import type { Logger } from 'pino'
import type { ProgressSample } from '../engine/supervisor.js'

/** Formats a sample as one short human line. */
export function progressLine (p: ProgressSample): string {
  const c = p.counters
  const secs = (Math.max(0, p.elapsedMs) / 1000).toFixed(0)
  return `[${secs}s] ${c.Completed} done, ${Math.round(p.rps)} req/s, ${c.InFlight} in flight, ${c.Errors} errors` +
    (c.Late + c.Dropped > 0 ? `, late ${c.Late}, dropped ${c.Dropped}` : '') +
    (c.Retries > 0 ? `, retries ${c.Retries}` : '')
}

/** Returns the progress callback and a function that clears the terminal line before the summary. */
export function createProgress (opts: { tty: boolean, quiet: boolean, logger: Logger, stream?: NodeJS.WritableStream }): {
  onProgress: (p: ProgressSample) => void
  clear: () => void
} {
  const stream = opts.stream ?? process.stderr
  let drawn = false
  if (opts.quiet) return { onProgress: () => {}, clear: () => {} }
  if (opts.tty) {
    return {
      onProgress: (p) => {
        stream.write(`\r\x1b[2K${progressLine(p)}`)
        drawn = true
      },
      clear: () => {
        if (drawn) stream.write('\r\x1b[2K')
        drawn = false
      }
    }
  }
  return {
    onProgress: (p) => {
      const c = p.counters
      opts.logger.info({
        elapsedMs: Math.round(p.elapsedMs),
        completed: c.Completed,
        rps: Math.round(p.rps),
        inflight: c.InFlight,
        errors: c.Errors,
        late: c.Late,
        dropped: c.Dropped,
        retries: c.Retries,
        workers: p.workersAlive
      }, 'progress')
    },
    clear: () => {}
  }
}
