// Options given as plain values (programmatic API, configuration file) go through the same parsers as the
// command line, so every entry point validates identically and names the option in its errors.
import { InvalidOptionError } from '../errors.js'
import { flagName, OPTIONS, setOption } from './options.js'
import type { CommandName, OptionKey, OptionSpec } from './options.js'
import type { RawOptions } from './resolve.js'
import { didYouMean } from './suggest.js'

/** Validates `input` (camelCase keys, values as on the command line or already typed) for `command`. */
export function normalizeOptions (input: Readonly<Record<string, unknown>>, command: CommandName, where = 'option'): RawOptions {
  const out: RawOptions = {}
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    // Own keys only: "constructor" or "__proto__" would otherwise find Object.prototype's members.
    const spec = Object.hasOwn(OPTIONS, key) ? (OPTIONS as Record<string, OptionSpec>)[key] : undefined
    if (spec === undefined) {
      throw new InvalidOptionError(`unknown ${where} ${JSON.stringify(key)} for ${command}${suggest(key, command)}`)
    }
    if (!spec.commands.includes(command)) {
      throw new InvalidOptionError(`${where} ${JSON.stringify(key)} (${flagName(key as OptionKey)}) is an option of ${spec.commands.join(', ')}, not of ${command}`)
    }
    const name = flagName(key as OptionKey)
    if (spec.parse === undefined) {
      if (typeof value !== 'boolean') throw new InvalidOptionError(`${name} must be true or false, got ${JSON.stringify(value)}`)
      setOption(out, key as OptionKey, value)
      continue
    }
    const values = Array.isArray(value) ? value : [value]
    let acc: unknown
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new InvalidOptionError(`${name} must be a string or a number, got ${JSON.stringify(v)}`)
      }
      acc = spec.parse(String(v), name, acc)
    }
    setOption(out, key as OptionKey, acc)
  }
  return out
}

function suggest (key: string, command: CommandName): string {
  const valid = (Object.keys(OPTIONS) as OptionKey[]).filter((k) => OPTIONS[k].commands.includes(command as never))
  // `max-error-rate`, `MaxErrorRate`: the same name in another spelling, before any edit distance.
  const lower = key.toLowerCase().replace(/[-_]/g, '')
  const same = valid.find((k) => k.toLowerCase() === lower)
  if (same !== undefined) return ` (did you mean ${JSON.stringify(same)}?)`
  // Typos (#11): the closest key by edit distance, among this command's keys and the ones every config
  // file and API call may carry besides options.
  return didYouMean(key, [...valid, 'workers', ...(command === 'load' ? ['urls'] : [])])
}
