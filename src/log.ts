// One pino logger per thread, always on stderr (stdout is reserved for results). Secrets and capability
// URLs are redacted by path, and anything that looks like a push endpoint or VAPID token is redacted by
// the serializers below, so a careless log call cannot leak them.
import { pino } from 'pino'
import type { Logger } from 'pino'
import pretty from 'pino-pretty'

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number]

const CENSOR = '[redacted]'

// Paths are pino redact paths (fast-redact syntax); wildcards cover one level of nesting.
const REDACT_PATHS = [
  'privateKey', '*.privateKey', 'vapid.privateKey', '*.vapid.privateKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'jwt', '*.jwt', 'token', '*.token',
  'p256dh', '*.p256dh', 'auth', '*.auth', 'keys', '*.keys',
  'endpoint', '*.endpoint'
]

const VAPID_RE = /vapid t=[A-Za-z0-9_\-.]+(, ?k=[A-Za-z0-9_-]+)?/g
const JWT_RE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g
const URL_PATH_RE = /(https?:\/\/[^\s/"']+)\/[^\s"']*/g

/** Removes JWTs, VAPID headers and URL paths (push endpoints are capability URLs) from free text. */
export function redactText (s: string): string {
  return s.replace(VAPID_RE, 'vapid ' + CENSOR).replace(JWT_RE, CENSOR).replace(URL_PATH_RE, '$1/…')
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: string
  /** Human-readable output (only sensible when stderr is a TTY). */
  pretty: boolean
  bindings?: Record<string, unknown>
  /** Destination file descriptor; tests may pass another one. Defaults to 2 (stderr). */
  fd?: number
}

/** Creates the thread's logger writing synchronously to stderr, with redaction. */
export function createLogger (opts: LoggerOptions): Logger {
  const fd = opts.fd ?? 2
  // Synchronous writes: the process may exit right after the last log line (cron, CI), and pino documents
  // that buffered async output is lost then.
  const stream = opts.pretty
    ? pretty({ destination: fd, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ fd, sync: true })
  const logger = pino({
    level: opts.level,
    base: opts.bindings ?? null,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: {
      log (obj) {
        for (const k of Object.keys(obj)) {
          const v = obj[k]
          if (typeof v === 'string') obj[k] = redactText(v)
        }
        return obj
      }
    },
    hooks: {
      logMethod (args, method) {
        // Interpolated message strings bypass the object serializers: scrub them too.
        const scrubbed = args.map((a) => typeof a === 'string' ? redactText(a) : a) as typeof args
        method.apply(this, scrubbed)
      }
    },
    serializers: {
      err: (e: unknown) => {
        const s = pino.stdSerializers.err(e as Error)
        return { ...s, message: redactText(s.message), stack: redactText(s.stack) }
      }
    }
  }, stream)
  return logger
}
