// Live progress once per second: a rewritten status line on a terminal, a pino NDJSON line otherwise
// (CI logs and cron mail get structured, greppable progress instead of carriage returns).
import type { Logger } from 'pino'
import type { ProgressSample } from '../engine/supervisor.js'

/** What the live line shows besides the counters, the same on a terminal and in the NDJSON line. */
export interface ProgressFields {
  percent: number | null
  etaSeconds: number | null
  p50Ms: number | null
  p99Ms: number | null
  throttled: Array<{ host: string, status: 429, pausedSeconds: number }>
}

/** % done, ETA, live latency (the last closed second) and the push services paused right now. */
export function progressFields (p: ProgressSample, nowMs = Date.now()): ProgressFields {
  const w = p.work
  let percent: number | null = null
  let etaSeconds: number | null = null
  if (w?.total !== undefined && w.total > 0) {
    percent = Math.min(100, Math.floor((w.done / w.total) * 1000) / 10)
    // The average pace since the start: steadier than the last second's, and honest under 429 pauses.
    const elapsed = Math.max(1, p.elapsedMs) / 1000
    etaSeconds = w.done > 0 ? Math.max(0, Math.round(((w.total - w.done) * elapsed) / w.done)) : null
  }
  const l = p.lastSecond?.latency.corrected
  return {
    percent,
    etaSeconds,
    p50Ms: l === undefined || l.count === 0 ? null : l.p50,
    p99Ms: l === undefined || l.count === 0 ? null : l.p99,
    throttled: p.throttled.map((t) => ({ host: hostOf(t.origin), status: 429 as const, pausedSeconds: Math.ceil((t.untilMs - nowMs) / 1000) }))
  }
}

/**
 * Formats a sample as one short human line. In send, an open-model slot that found every connection busy
 * delays a message, it never loses one: "dropped" would say otherwise, so send calls it a missed slot.
 */
export function progressLine (p: ProgressSample, command: 'load' | 'send' = 'load', nowMs = Date.now()): string {
  const c = p.counters
  const f = progressFields(p, nowMs)
  const secs = (Math.max(0, p.elapsedMs) / 1000).toFixed(0)
  const done = f.percent === null ? '' : ` ${f.percent.toFixed(1)}%${f.etaSeconds === null ? '' : `, ETA ${duration(f.etaSeconds)}`},`
  const missed = command === 'send' ? `rate slots missed (connections busy) ${c.Dropped}` : `dropped ${c.Dropped}`
  return `[${secs}s]${done} ${c.Completed} done, ${Math.round(p.rps)} req/s, ${c.InFlight} in flight, ${c.Errors} errors` +
    (f.p50Ms === null ? '' : `, p50 ${f.p50Ms} ms, p99 ${f.p99Ms ?? 0} ms`) +
    (c.Late + c.Dropped > 0 ? `, late ${c.Late}, ${missed}` : '') +
    (c.Retries > 0 ? `, retries ${c.Retries}` : '') +
    f.throttled.map((t) => ` | ${t.host}: ${t.status}, paused ${t.pausedSeconds} s`).join('')
}

function hostOf (origin: string): string {
  try {
    return new URL(origin).host
  } catch {
    return origin
  }
}

function duration (s: number): string {
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** Returns the progress callback and a function that clears the terminal line before the summary. */
export function createProgress (opts: { tty: boolean, quiet: boolean, logger: Logger, stream?: NodeJS.WritableStream, command?: 'load' | 'send' }): {
  onProgress: (p: ProgressSample) => void
  clear: () => void
} {
  const stream = opts.stream ?? process.stderr
  let drawn = false
  if (opts.quiet) return { onProgress: () => {}, clear: () => {} }
  if (opts.tty) {
    return {
      onProgress: (p) => {
        stream.write(`\r\x1b[2K${progressLine(p, opts.command)}`)
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
        ...(opts.command === 'send' ? { missedRateSlots: c.Dropped } : { dropped: c.Dropped }),
        retries: c.Retries,
        workers: p.workersAlive,
        ...progressFields(p)
      }, 'progress')
    },
    clear: () => {}
  }
}
