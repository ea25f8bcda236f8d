// notify-sender.config.json: the job description cron runs use (`notify-sender 12 --http=2 --force-dns`
// with everything else in the file). Keys are the option names in camelCase; flags override the file.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { ConfigError, NotifySenderError } from '../errors.js'
import { normalizeOptions } from './normalize.js'
import { OPTIONS } from './options.js'
import type { CommandName, OptionSpec } from './options.js'
import type { RawOptions } from './resolve.js'
import { CONFIG_FILE_NAME } from '../defaults.js'

/** What a configuration file contributes besides option values. */
export interface ConfigFile {
  path: string
  options: RawOptions
  workers?: number | undefined
  urls?: string[] | undefined
}

// Option values that name files: relative paths are relative to the config file, not to the cwd of cron.
const PATH_KEYS: ReadonlySet<string> = new Set(['ca', 'report', 'urlsFile', 'subscriptions', 'vapidKeys', 'out', 'state'])
const AT_FILE_KEYS: ReadonlySet<string> = new Set(['body', 'payload'])
// Never read from a file that may be committed to a repository: secrets come from a key file or the env.
const SECRET_KEYS: ReadonlySet<string> = new Set(['privateKey', 'vapidPrivateKey', 'vapid'])

/** Loads `explicit` or, when absent, ./notify-sender.config.json if it exists; undefined when there is none. */
export function loadConfigFile (explicit: string | undefined, command: CommandName, cwd = process.cwd()): ConfigFile | undefined {
  const path = explicit === undefined ? resolve(cwd, CONFIG_FILE_NAME) : resolve(cwd, explicit)
  if (explicit === undefined && !existsSync(path)) return undefined
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${path} must contain a JSON object`)
  const base = dirname(path)
  const entries: Record<string, unknown> = {}
  let workers: number | undefined
  let urls: string[] | undefined
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key === '$schema' || key === 'comment') continue
    if (SECRET_KEYS.has(key)) throw new ConfigError(`${path}: "${key}" does not belong in a config file; use vapidKeys (a key file) or NOTIFY_SENDER_VAPID_PRIVATE_KEY`)
    if (key === 'workers') {
      if (!Number.isSafeInteger(value) || (value as number) < 1) throw new ConfigError(`${path}: "workers" must be a positive integer`)
      workers = value as number
      continue
    }
    if (key === 'urls' && command === 'load') {
      if (!Array.isArray(value) || !value.every((u) => typeof u === 'string')) throw new ConfigError(`${path}: "urls" must be an array of strings`)
      urls = value as string[]
      continue
    }
    const spec = (OPTIONS as Record<string, OptionSpec>)[key]
    if (spec?.inConfig === false) throw new ConfigError(`${path}: "${key}" is a command-line-only option`)
    entries[key] = relocate(key, value, base)
  }
  const options: RawOptions = {}
  // One key at a time so the error can name the key as written in the file, not only its command-line flag.
  for (const [key, value] of Object.entries(entries)) {
    try {
      Object.assign(options, normalizeOptions({ [key]: value }, command, 'config key'))
    } catch (err) {
      if (!(err instanceof NotifySenderError)) throw err
      const named = err.message.includes(JSON.stringify(key)) ? '' : `${JSON.stringify(key)}: `
      throw new ConfigError(`${path}: ${named}${err.message}`, { cause: err })
    }
  }
  return { path, options, workers, urls }
}

function relocate (key: string, value: unknown, base: string): unknown {
  if (typeof value !== 'string') return value
  if (PATH_KEYS.has(key) && value !== '-' && !isAbsolute(value)) return resolve(base, value)
  if (AT_FILE_KEYS.has(key) && value.startsWith('@') && !isAbsolute(value.slice(1))) return '@' + resolve(base, value.slice(1))
  return value
}

/** Command-line values win over the file's. */
export function mergeOptions (file: RawOptions | undefined, cli: RawOptions): RawOptions {
  return { ...(file ?? {}), ...cli }
}
