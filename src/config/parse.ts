import { isIP } from 'node:net'
import { InvalidOptionError } from '../errors.js'
import type { ResolveEntry, Stage } from '../engine/options.js'

// Every parser takes the option's display name so the error names the option the user typed.

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses `250ms`, `5s`, `1.5m`, `2h`, `1d`; returns milliseconds. A bare number other than 0 is refused
 * (#11): `--max-p99 50` was read as 50 seconds by us and would be 50 ms in other tools, and either
 * silent reading makes a threshold or a timeout 1000 times off. 0 needs no unit.
 */
export function parseDuration (value: string, name: string): number {
  const m = DURATION_RE.exec(value.trim())
  if (m === null) {
    throw new InvalidOptionError(`${name} must be a duration such as 500ms, 10s, 5m or 1h, got ${JSON.stringify(value)}`)
  }
  if (m[2] === undefined && Number(m[1]) !== 0) {
    throw new InvalidOptionError(`${name} needs a unit: ${m[1] ?? ''}ms or ${m[1] ?? ''}s? (a duration takes ms, s, m, h or d; a bare number is ambiguous), got ${JSON.stringify(value)}`)
  }
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000)
  if (!Number.isFinite(ms)) throw new InvalidOptionError(`${name} is too large: ${JSON.stringify(value)}`)
  return Math.round(ms)
}

/** Parses a duration that must be strictly positive. */
export function parsePositiveDuration (value: string, name: string): number {
  const ms = parseDuration(value, name)
  if (ms <= 0) throw new InvalidOptionError(`${name} must be greater than zero, got ${JSON.stringify(value)}`)
  return ms
}

const UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** The inverse of {@link parseDuration}: 90000 → "90s", 86400000 → "1d", 250 → "250ms" (largest exact unit). */
export function formatDuration (ms: number): string {
  if (ms === 0) return '0s'
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

/** Parses an integer >= 1. */
export function parsePositiveInt (value: string, name: string): number {
  const n = strictNumber(value)
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidOptionError(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
  }
  return n
}

/** Parses an integer >= 0. */
export function parseNonNegativeInt (value: string, name: string): number {
  const n = strictNumber(value)
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidOptionError(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
  }
  return n
}

/** Parses a finite number > 0 (rates may be fractional: 0.5 req/s). */
export function parsePositiveNumber (value: string, name: string): number {
  const n = strictNumber(value)
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidOptionError(`${name} must be a number greater than zero, got ${JSON.stringify(value)}`)
  }
  return n
}

/** Parses a ratio in [0, 1]; `5%` is accepted as 0.05. */
export function parseRatio (value: string, name: string): number {
  const v = value.trim()
  const n = v.endsWith('%') ? strictNumber(v.slice(0, -1)) / 100 : strictNumber(v)
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidOptionError(`${name} must be a ratio between 0 and 1 (or a percentage such as 1%), got ${JSON.stringify(value)}`)
  }
  return n
}

/** Parses `name:value` into a lower-cased header pair, rejecting names and values HTTP would refuse. */
export function parseHeader (value: string, name: string): [string, string] {
  const i = value.indexOf(':')
  if (i <= 0) throw new InvalidOptionError(`${name} must look like "name: value", got ${JSON.stringify(value)}`)
  const key = value.slice(0, i).trim().toLowerCase()
  const val = value.slice(i + 1).trim()
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) {
    throw new InvalidOptionError(`${name} has an invalid header name ${JSON.stringify(key)}`)
  }
  if (/[\r\n\0]/.test(val)) throw new InvalidOptionError(`${name} value for ${key} contains a control character`)
  return [key, val]
}

/** Parses `10s:1000,30s:5000` (k6-style stages: duration:target-rate). */
export function parseStages (value: string, name: string): Stage[] {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (parts.length === 0) throw new InvalidOptionError(`${name} must list at least one duration:rate stage`)
  return parts.map((p) => {
    const i = p.lastIndexOf(':')
    if (i <= 0) throw new InvalidOptionError(`${name} stage ${JSON.stringify(p)} must look like 30s:5000`)
    const durationMs = parsePositiveDuration(p.slice(0, i), `${name} stage duration`)
    const target = strictNumber(p.slice(i + 1))
    if (!Number.isFinite(target) || target < 0) {
      throw new InvalidOptionError(`${name} stage ${JSON.stringify(p)} must end with a rate >= 0`)
    }
    return { durationMs, target }
  })
}

/** Parses `host:port:ip[,ip...]`; IPv6 addresses may be bracketed as in curl. */
export function parseResolve (value: string, name: string): ResolveEntry {
  const m = /^([^:[\]]+):(\d+):(.+)$/.exec(value.trim())
  if (m === null) throw new InvalidOptionError(`${name} must look like host:port:address[,address...], got ${JSON.stringify(value)}`)
  const port = Number(m[2])
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(`${name} has an invalid port in ${JSON.stringify(value)}`)
  }
  const addresses = (m[3] ?? '').split(',').map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'))
  for (const a of addresses) {
    if (isIP(a) === 0) throw new InvalidOptionError(`${name} has an invalid IP address ${JSON.stringify(a)}`)
  }
  return { host: (m[1] ?? '').toLowerCase(), port, addresses }
}

/** Parses one of `choices`, case-insensitively. */
export function parseChoice<T extends string> (value: string, name: string, choices: readonly T[]): T {
  const v = value.trim().toLowerCase()
  const found = choices.find((c) => c === v)
  if (found === undefined) {
    throw new InvalidOptionError(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`)
  }
  return found
}

/** Parses an http(s) URL. */
export function parseUrl (value: string, name: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidOptionError(`${name} must be an absolute http:// or https:// URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(`${name} must use http:// or https://, got ${JSON.stringify(url.protocol)}`)
  }
  return url
}

// Number('') is 0 and Number(' 1 ') is 1: refuse both so "--rate ''" is an error, not a silent zero.
function strictNumber (value: string): number {
  const v = value.trim()
  if (v === '' || v !== value.trim() || !/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(v)) return Number.NaN
  return Number(v)
}
