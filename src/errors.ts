/** Stable error code of every error notify-sender raises; match on `err.code`, never on the message. */
export type ErrorCode =
  | 'NS_ERR_INVALID_OPTION'
  | 'NS_ERR_USAGE'
  | 'NS_ERR_CONFIG'
  | 'NS_ERR_UNSUPPORTED_PROTOCOL'
  | 'NS_ERR_SECRET'
  | 'NS_ERR_INPUT'
  | 'NS_ERR_PAYLOAD_TOO_LARGE'
  | 'NS_ERR_STATE'
  | 'NS_ERR_WORKER'
  | 'NS_ERR_DNS'
  | 'NS_ERR_HOST_NOT_ALLOWED'
  | 'NS_ERR_PRIVATE_ADDRESS'
  | 'NS_ERR_PROTOCOL_NEGOTIATION'
  | 'NS_ERR_PROTOCOL_MISMATCH'
  | 'NS_ERR_TIMEOUT'
  | 'NS_ERR_DEADLINE'
  | 'NS_ERR_RESPONSE_TOO_LARGE'
  | 'NS_ERR_INTERNAL'
  | 'NS_ERR_REPORT'
  | 'NS_ERR_MISSING_DEPENDENCY'
  // The outcome files under --out could not be written or were deleted: exit code 3 (EXIT.output).
  | 'NS_ERR_OUTPUT'
  | 'NS_ERR_METRICS'

/** Codes that mean "the user asked for something impossible": the CLI maps them to exit code 2. */
const USAGE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'NS_ERR_INVALID_OPTION',
  'NS_ERR_USAGE',
  'NS_ERR_CONFIG',
  'NS_ERR_UNSUPPORTED_PROTOCOL',
  'NS_ERR_SECRET',
  'NS_ERR_PAYLOAD_TOO_LARGE',
  'NS_ERR_STATE',
  'NS_ERR_REPORT',
  'NS_ERR_MISSING_DEPENDENCY'
])

/** Base class of every error thrown by notify-sender. */
export class NotifySenderError extends Error {
  readonly code: ErrorCode

  constructor (message: string, code: ErrorCode, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option value is invalid; the message names the option. */
export class InvalidOptionError extends NotifySenderError {
  constructor (message: string) {
    super(message, 'NS_ERR_INVALID_OPTION')
  }
}

/** The configuration file cannot be read or holds invalid values. */
export class ConfigError extends NotifySenderError {
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'NS_ERR_CONFIG', options)
  }
}

/** A secret (the VAPID private key) is missing, malformed or was given where it would leak. */
export class SecretError extends NotifySenderError {
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'NS_ERR_SECRET', options)
  }
}

/** A report given to `merge` cannot be read or merged (not JSON, not a notify-sender report, other schema or command); the message names the file. */
export class ReportError extends NotifySenderError {
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'NS_ERR_REPORT', options)
  }
}

/** The plain-object shape an error takes to cross a worker boundary (structured clone drops prototypes). */
export interface SerializedError {
  name: string
  code: string
  message: string
  stack?: string | undefined
}

/** Turns any thrown value into a {@link SerializedError} that survives `postMessage`. */
export function serializeError (err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return {
      name: err.name,
      code: typeof code === 'string' ? code : 'NS_ERR_INTERNAL',
      message: err.message,
      stack: err.stack
    }
  }
  return { name: 'Error', code: 'NS_ERR_INTERNAL', message: String(err) }
}

/** Rebuilds a {@link NotifySenderError} from its serialized form, keeping the original code. */
export function deserializeError (s: SerializedError): NotifySenderError {
  const code = (s.code.startsWith('NS_ERR_') ? s.code : 'NS_ERR_INTERNAL') as ErrorCode
  const err = new NotifySenderError(s.message, code)
  err.name = s.name
  if (s.stack !== undefined) err.stack = s.stack
  return err
}

/** True when the error is a usage or configuration problem (exit code 2) rather than a failed run. */
export function isUsageError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && USAGE_CODES.has(code)
}
