// `notify-sender config --print`: the configuration a send or load would run with, each value with where
// it came from (command line, config file, environment, default), after the same validation the command
// itself does, and with every secret redacted so the output can be pasted into a ticket.
import { envVars, OPTIONS, optionsFor } from './options.js'
import type { OptionKey, OptionSpec } from './options.js'
import { formatDuration, parseDuration, parsePositiveDuration } from './parse.js'
import type { RawOptions } from './resolve.js'
import type { ConfigFile } from './file.js'
import { redactUrlPasswords } from '../log.js'
import { redactPostgresUrl } from '../input/postgres-url.js'

/** Where a value came from. */
export type ValueSource = 'command line' | 'config file' | 'environment' | 'default' | 'unset'

/** One resolved value. */
export interface DescribedValue {
  value: unknown
  from: ValueSource
}

/** What `config --print` prints. */
export interface ConfigDescription {
  command: 'send' | 'load'
  configFile: string | null
  workers: DescribedValue
  options: Record<string, DescribedValue>
  /** Variables notify-sender reads, when set (secret ones as "[redacted]"). */
  environment: Record<string, string>
  /** Facts derived from several inputs (shard, VAPID public key...), filled by the command. */
  resolved: Record<string, unknown>
}

/** What stands in for a secret. */
export const REDACTED = '[redacted]'

// Request headers that carry credentials in load tests.
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i

/** Inputs of {@link describeConfig}. */
export interface DescribeInput {
  command: 'send' | 'load'
  cli: RawOptions
  file: ConfigFile | undefined
  workersArg: string | undefined
  workers: number
  env: NodeJS.ProcessEnv
}

/** Every option of the command with its value and source; secrets redacted. */
export function describeConfig (input: DescribeInput): ConfigDescription {
  const options: Record<string, DescribedValue> = {}
  for (const [key, spec] of optionsFor(input.command)) {
    if (spec.inConfig === false && key !== 'config') continue
    const fromCli = input.cli[key]
    const fromFile = input.file?.options[key]
    if (fromCli !== undefined) options[key] = { value: display(key, fromCli), from: 'command line' }
    else if (fromFile !== undefined) options[key] = { value: display(key, fromFile), from: 'config file' }
    else if (key === 'config' && input.file !== undefined) options[key] = { value: input.file.path, from: 'default' }
    else if (spec.defaultText !== undefined) options[key] = { value: spec.defaultText, from: 'default' }
    else if (spec.parse === undefined) options[key] = { value: false, from: 'default' }
    else options[key] = { value: null, from: 'unset' }
  }
  const workers: DescribedValue = input.workersArg !== undefined
    ? { value: input.workers, from: 'command line' }
    : input.file?.workers !== undefined
      ? { value: input.workers, from: 'config file' }
      : { value: input.workers, from: 'default' }
  const environment: Record<string, string> = {}
  // Variables read by notify-sender (or by pg for --source), as the options table names them.
  for (const { name, secret } of envVars()) {
    const v = input.env[name]
    if (v !== undefined && v !== '') environment[name] = secret === true ? REDACTED : v
  }
  return { command: input.command, configFile: input.file?.path ?? null, workers, options, environment, resolved: {} }
}

// Values as a person would write them back: durations in units, secrets out.
function display (key: OptionKey, value: unknown): unknown {
  const spec: OptionSpec = OPTIONS[key]
  if (key === 'shard' && value !== null && typeof value === 'object') {
    const { index, count } = value as { index?: number, count: number }
    return index === undefined ? `${count} (index from JOB_COMPLETION_INDEX)` : `${index}/${count}`
  }
  if (key === 'source' && typeof value === 'string') return redactPostgresUrl(value)
  if (key === 'ttl' && typeof value === 'number') return formatDuration(value * 1000)
  if ((spec.parse === parseDuration || spec.parse === parsePositiveDuration) && typeof value === 'number') return formatDuration(value)
  if (key === 'header' && Array.isArray(value)) {
    return (value as Array<[string, string]>).map(([name, v]) => `${name}: ${SECRET_HEADER.test(name) ? REDACTED : v}`)
  }
  if (typeof value === 'string') return redactUrlPasswords(value)
  if (Array.isArray(value)) return value.map((v: unknown) => typeof v === 'string' ? redactUrlPasswords(v) : v)
  return value
}

/** Pretty JSON with one line per option, so the listing reads like a table. */
export function formatDescription (d: ConfigDescription): string {
  const lines = Object.entries(d.options).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v).replace(/^\{"value":/, '{ "value": ').replace(/,"from":/, ', "from": ').replace(/\}$/, ' }')}`)
  const indent = (v: unknown): string => JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')
  return [
    '{',
    `  "command": ${JSON.stringify(d.command)},`,
    `  "configFile": ${JSON.stringify(d.configFile)},`,
    `  "workers": ${JSON.stringify(d.workers)},`,
    '  "options": {',
    lines.join(',\n'),
    '  },',
    `  "environment": ${indent(d.environment)},`,
    `  "resolved": ${indent(d.resolved)}`,
    '}'
  ].join('\n') + '\n'
}
