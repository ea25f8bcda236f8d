// JSON Schema of notify-sender.config.json, generated from the options table so it cannot drift from
// what the loader accepts (`notify-sender config --schema`; editors validate and complete with it).
import { OPTIONS } from './options.js'
import type { CommandName, OptionKey, OptionSpec } from './options.js'
import { isRepeatable, optionHelp } from './options.js'

/** Commands that read a configuration file. */
export const CONFIG_FILE_COMMANDS: readonly CommandName[] = ['send', 'load']

/** Keys of the file that are not options. */
export const EXTRA_CONFIG_KEYS = {
  $schema: { type: 'string', description: 'path or URL of this schema (ignored by notify-sender)' },
  comment: { type: 'string', description: 'free text (ignored)' },
  workers: { type: 'integer', minimum: 1, maximum: 1024, description: 'worker threads, when not given on the command line (default: one per core)' },
  urls: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'load: target URLs, when none are given on the command line' }
} as const

/** Option keys allowed in the file, in table order. */
export function configKeys (): OptionKey[] {
  return (Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec]>)
    .filter(([, s]) => s.inConfig !== false && s.commands.some((c) => CONFIG_FILE_COMMANDS.includes(c)))
    .map(([k]) => k)
}

/** The JSON type(s) a key accepts, as in the README's configuration table. */
export function configValueType (key: OptionKey): string {
  const spec: OptionSpec = OPTIONS[key]
  if (spec.parse === undefined) return 'boolean'
  return isRepeatable(spec) ? 'string or number, or an array of them' : 'string or number'
}

function propertySchema (key: OptionKey): Record<string, unknown> {
  const spec: OptionSpec = OPTIONS[key]
  const commands = spec.commands.filter((c) => CONFIG_FILE_COMMANDS.includes(c))
  const description = `${spec.flags}: ${optionHelp(spec)} [${commands.join(', ')}]`
  if (spec.parse === undefined) return { type: 'boolean', description }
  const scalar = { type: ['string', 'number'] }
  // Values are validated by the same parsers as the flags (durations like "30s", ratios like "1%"), which
  // a schema cannot express; the loader's error names the key and the rule.
  return isRepeatable(spec) ? { anyOf: [scalar, { type: 'array', items: scalar }], description } : { ...scalar, description }
}

/** The JSON Schema (draft 2020-12) of the configuration file. */
export function configSchema (): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...EXTRA_CONFIG_KEYS }
  for (const key of configKeys()) properties[key] = propertySchema(key)
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'notify-sender.config.json',
    description: 'Option values for notify-sender send and load, under their camelCase names; command-line flags win over the file. Secrets (the VAPID private key) are not allowed here.',
    type: 'object',
    additionalProperties: false,
    properties
  }
}
