// The PostgreSQL URL of `send --source`: validated when the option is parsed (no database driver needed) and
// redacted wherever it is shown, because it may carry the database password.
import { InvalidOptionError } from '../errors.js'

const SCHEMES: ReadonlySet<string> = new Set(['postgres:', 'postgresql:'])
// Query parameters libpq and pg accept that hold a secret.
const SECRET_PARAMS: readonly string[] = ['password', 'sslpassword']
const MASK = '***'

/** Parses `--source`: a `postgres://` or `postgresql://` URL; any other scheme is a usage error naming the option. */
export function parsePostgresUrl (value: string, name: string): string {
  const v = value.trim()
  let url: URL
  try {
    url = new URL(v)
  } catch {
    // Never echo the value: it may hold a password.
    throw new InvalidOptionError(`${name} must be a postgres://user@host/database URL, got a value that is not a URL`)
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new InvalidOptionError(`${name} must be a postgres:// or postgresql:// URL, got a ${url.protocol}// URL (only PostgreSQL sources are supported)`)
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new InvalidOptionError(`${name} must name a host: postgres://user@host/database, got ${redactPostgresUrl(v)}`)
  }
  return v
}

/** The URL with its password (and any password query parameter) replaced by `***`: safe for logs and reports. */
export function redactPostgresUrl (value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return '<invalid URL>'
  }
  if (url.password !== '') url.password = MASK
  for (const p of SECRET_PARAMS) if (url.searchParams.has(p)) url.searchParams.set(p, MASK)
  // URL.href escapes "*" in neither userinfo nor query, so the mask reads as typed.
  return url.href
}

/** Removes the URL's password from a message (a driver error may quote its input); the redacted URL stays. */
export function redactMessage (message: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return message
  }
  const secrets = [url.password, ...SECRET_PARAMS.map((p) => url.searchParams.get(p) ?? '')]
  let out = message.split(value).join(redactPostgresUrl(value))
  for (const s of secrets) {
    if (s === '') continue
    out = out.split(s).join(MASK)
    const decoded = safeDecode(s)
    if (decoded !== s && decoded !== '') out = out.split(decoded).join(MASK)
  }
  return out
}

function safeDecode (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
