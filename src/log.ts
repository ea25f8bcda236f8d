// One pino logger per thread, always on stderr (stdout is reserved for results). Every log call is scrubbed
// before it is written: values under secret-looking keys are censored at any depth, and JWTs, VAPID headers
// and URL paths (push endpoints are capability URLs) are removed from every string, nested ones included,
// so a careless log call cannot leak them.
import { pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'
import { createRequire } from 'node:module'

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number]

const CENSOR = '[redacted]'

// Paths are pino redact paths (fast-redact syntax); wildcards cover one level of nesting. A second line of
// defence only: scrub() below censors SECRET_KEYS at any depth.
const REDACT_PATHS = [
  'privateKey', '*.privateKey', 'vapid.privateKey', '*.vapid.privateKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'jwt', '*.jwt', 'token', '*.token',
  'p256dh', '*.p256dh', 'auth', '*.auth', 'keys', '*.keys',
  'endpoint', '*.endpoint'
]

// Keys (lower-cased) whose values are censored wherever they appear in a logged object.
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'privatekey', 'vapidprivatekey', 'authorization', 'jwt', 'token', 'p256dh', 'auth', 'keys', 'endpoint'
])
// Log objects are small; anything deeper is a mistake and is cut rather than walked.
const MAX_DEPTH = 10

const VAPID_RE = /vapid t=[A-Za-z0-9_\-.]+(, ?k=[A-Za-z0-9_-]+)?/g
const JWT_RE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g
const URL_PATH_RE = /(https?:\/\/[^\s/"']+)\/[^\s"']*/g
// postgres://user:password@host (--source) and any other URL with credentials in it.
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*):[^\s@/"']*@/gi

/** Removes the password of any `scheme://user:password@host` in `s`. */
export function redactUrlPasswords (s: string): string {
  return s.replace(URL_PASSWORD_RE, '$1:' + CENSOR + '@')
}

/** Removes JWTs, VAPID headers, URL passwords and URL paths (push endpoints are capability URLs) from free text. */
export function redactText (s: string): string {
  return redactUrlPasswords(s).replace(VAPID_RE, 'vapid ' + CENSOR).replace(JWT_RE, CENSOR).replace(URL_PATH_RE, '$1/…')
}

// A scrubbed copy of `value` (the caller's object is never modified): secret keys censored, strings passed
// through redactText, errors flattened by pino's serializer first so their extra properties are scrubbed too.
function scrub (value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (ancestors.has(value)) return '[circular]'
  if (depth >= MAX_DEPTH) return '[too deep]'
  // Raw bytes (a key in a Buffer) have no business in a log line.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`
  ancestors.add(value)
  try {
    if (value instanceof Error) return scrubEntries(pino.stdSerializers.err(value) as object, depth, ancestors)
    if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, depth + 1, ancestors))
    // URL, Date and friends serialize through toJSON: scrub what would actually be written.
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return scrub(toJSON.call(value), depth + 1, ancestors)
    return scrubEntries(value, depth, ancestors)
  } finally {
    ancestors.delete(value)
  }
}

function scrubEntries (value: object, depth: number, ancestors: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : scrub(v, depth + 1, ancestors)
  }
  return out
}

// pino-pretty (and its dependencies) is only needed on a terminal: load it then, not in every worker.
const require = createRequire(import.meta.url)
function loadPretty (): typeof import('pino-pretty') {
  return require('pino-pretty') as typeof import('pino-pretty')
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: string
  /** Human-readable output (only sensible when stderr is a TTY). */
  pretty: boolean
  bindings?: Record<string, unknown>
  /** Destination file descriptor; tests may pass another one. Defaults to 2 (stderr). */
  fd?: number
  /** Destination stream instead of `fd` (tests capture log lines in memory); `pretty` is then ignored. */
  destination?: DestinationStream
}

/** Creates the thread's logger writing synchronously to stderr, with redaction. */
export function createLogger (opts: LoggerOptions): Logger {
  const fd = opts.fd ?? 2
  // Synchronous writes: the process may exit right after the last log line (cron, CI), and pino documents
  // that buffered async output is lost then.
  const stream = opts.destination ?? (opts.pretty
    ? loadPretty()({ destination: fd, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ fd, sync: true }))
  const logger = pino({
    level: opts.level,
    base: opts.bindings ?? null,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: {
      log (obj) {
        return scrubEntries(obj, 0, new Set([obj]))
      }
    },
    hooks: {
      logMethod (args, method) {
        // Interpolated message strings and values bypass the formatter: scrub them too. The first argument,
        // when an object, is left to the formatter so pino still recognises an Error there.
        const scrubbed = args.map((a: unknown, i) => i === 0 && typeof a === 'object' && a !== null ? a : scrub(a, 0, new Set())) as typeof args
        const first: unknown = args[0]
        if (args.length === 1 && typeof first === 'object' && first !== null) {
          // Without a message pino uses the error's own message, unscrubbed: supply the scrubbed one.
          const err = first instanceof Error ? first : (first as { err?: unknown }).err
          if (err instanceof Error && (first as { msg?: unknown }).msg === undefined) scrubbed.push(redactText(err.message) as never)
        }
        method.apply(this, scrubbed)
      }
    },
    serializers: {
      // The formatter already flattened and scrubbed the error; this keeps pino's default serializer from
      // re-wrapping that plain object.
      err: (e: unknown) => scrub(e, 0, new Set())
    }
  }, stream)
  return logger
}
