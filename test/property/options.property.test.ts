// Option values from the programmatic API and the configuration file are untrusted input too: any JSON
// value under any key either normalizes or fails with the project's own error (NS_ERR_INVALID_OPTION,
// NS_ERR_CONFIG) naming the key — never a TypeError from deep inside a parser.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { loadConfigFile } from '../../src/config/file.js'
import { normalizeOptions } from '../../src/config/normalize.js'
import { flagName, OPTIONS } from '../../src/config/options.js'
import type { CommandName, OptionKey } from '../../src/config/options.js'
import { NotifySenderError } from '../../src/errors.js'
import { tempDir } from '../helpers/files.js'

const RUNS = { numRuns: 300, interruptAfterTimeLimit: 5000 }
const OPTION_KEYS = Object.keys(OPTIONS) as OptionKey[]
const COMMANDS: CommandName[] = ['load', 'send', 'simulate', 'keys', 'demo']

// Real option names dominate; the rest are what a typo, a hostile file or Object.prototype can bring.
const key = fc.oneof(
  { arbitrary: fc.constantFrom(...OPTION_KEYS), weight: 8 },
  { arbitrary: fc.constantFrom('workers', 'urls', 'privateKey', 'vapid', '$schema', 'comment', 'max-error-rate', 'Retries', 'retries '), weight: 1 },
  { arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 }
)
// Strings the parsers care about (durations, numbers, ratios, hosts...) and arbitrary JSON.
const plausible = fc.constantFrom('1', '0', '-1', '2', '3', '1.5', '1e3', '0x10', 'Infinity', 'NaN', '', ' ', '5s', '500ms', '1.5m', '10d',
  '99999999999999999999d', 'auto', 'h2', 'h3', '1.1', '1%', '150%', '0.5', 'info', 'SILENT', 'high', 'x', '127.0.0.1:5353', '[::1]:53',
  'push.test:443:127.0.0.1,::1', 'push.test:99999:127.0.0.1', '10s:100,5s:0', ':', 'name: value', 'bad name: v', 'push.example.com',
  '*.example.com', 'a b', '*', '@/nonexistent/file', 'Zm9vYmFy', 'mailto:ops@example.com')
const value = fc.oneof(
  { arbitrary: plausible, weight: 4 },
  { arbitrary: fc.array(plausible, { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 3 }
)
const entries = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 6 })

/** How an error must name `k`: its flag (`--max-error-rate`) or, when it is no option, the key quoted. */
function namesKey (message: string, k: string): boolean {
  if (message.includes(JSON.stringify(k))) return true
  return Object.hasOwn(OPTIONS, k) && message.includes(flagName(k as OptionKey))
}

function normalizeOutcome (input: Record<string, unknown>, command: CommandName): { ok: true, value: Record<string, unknown> } | { ok: false, err: unknown } {
  try {
    return { ok: true, value: normalizeOptions(input, command) }
  } catch (err) {
    return { ok: false, err }
  }
}

test('property: normalizeOptions accepts or rejects any value under any key with NS_ERR_INVALID_OPTION naming that key', () => {
  fc.assert(fc.property(key, value, fc.constantFrom(...COMMANDS), (k, v, command) => {
    const r = normalizeOutcome(Object.fromEntries([[k, v]]), command)
    if (r.ok) {
      assert.deepEqual(Object.keys(r.value).filter((x) => x !== k), [], 'only the given key')
      assert.ok(Object.hasOwn(OPTIONS, k), `${JSON.stringify(k)} accepted but is no option`)
      return
    }
    assert.ok(r.err instanceof NotifySenderError, `${JSON.stringify(k)}=${JSON.stringify(v)} threw ${String(r.err)}`)
    // --http=3 has its own code: the protocol exists, this runtime cannot speak it.
    const codes = k === 'http' ? ['NS_ERR_INVALID_OPTION', 'NS_ERR_UNSUPPORTED_PROTOCOL'] : ['NS_ERR_INVALID_OPTION']
    assert.ok(codes.includes(r.err.code), `code ${r.err.code}`)
    assert.ok(namesKey(r.err.message, k), `message does not name ${JSON.stringify(k)}: ${r.err.message}`)
  }), RUNS)
})

test('property: with several keys, normalizeOptions fails exactly as the first failing key alone, or accepts them all', () => {
  fc.assert(fc.property(entries, fc.constantFrom(...COMMANDS), (list, command) => {
    const input = Object.fromEntries(list)
    const r = normalizeOutcome(input, command)
    const firstFailure = Object.entries(input).map(([k, v]) => normalizeOutcome(Object.fromEntries([[k, v]]), command)).find((x) => !x.ok)
    if (r.ok) {
      assert.equal(firstFailure, undefined)
      return
    }
    assert.ok(firstFailure !== undefined && !firstFailure.ok)
    assert.ok(r.err instanceof NotifySenderError && firstFailure.err instanceof NotifySenderError, String(r.err))
    assert.equal(r.err.message, firstFailure.err.message)
  }), RUNS)
})

const configDir = tempDir()

function loadOutcome (text: string | Buffer, command: 'load' | 'send'): { ok: true } | { ok: false, err: unknown } {
  const path = join(configDir, 'notify-sender.config.json')
  writeFileSync(path, text)
  try {
    loadConfigFile(path, command)
    return { ok: true }
  } catch (err) {
    return { ok: false, err }
  }
}

test('property: loadConfigFile turns any object of any values into options or a NS_ERR_CONFIG naming the offending key', () => {
  fc.assert(fc.property(entries, fc.constantFrom('load', 'send') as fc.Arbitrary<'load' | 'send'>, fc.boolean(), (list, command, bom) => {
    const obj = Object.fromEntries(list)
    const r = loadOutcome((bom ? '\uFEFF' : '') + JSON.stringify(obj, null, 1), command)
    if (r.ok) return
    assert.ok(r.err instanceof NotifySenderError, `${JSON.stringify(obj)} threw ${String(r.err)}`)
    assert.equal(r.err.code, 'NS_ERR_CONFIG')
    assert.ok(Object.keys(obj).some((k) => namesKey(r.err instanceof Error ? r.err.message : '', k)), `message names none of the keys: ${r.err.message}`)
  }), RUNS)
})

test('property: loadConfigFile rejects any non-object JSON, truncated JSON or random bytes with NS_ERR_CONFIG', () => {
  const notObject = fc.oneof(fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)))
  const truncated = fc.tuple(entries, fc.nat()).map(([list, cut]) => {
    const s = JSON.stringify(Object.fromEntries(list))
    return s.slice(0, cut % s.length)
  })
  const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))
  fc.assert(fc.property(fc.oneof(notObject, truncated, bytes), fc.constantFrom('load', 'send') as fc.Arbitrary<'load' | 'send'>, (text, command) => {
    const r = loadOutcome(text, command)
    if (r.ok) {
      // Random bytes can spell "{}" or another valid object: then it must have been one.
      const parsed: unknown = JSON.parse(Buffer.from(text).toString('utf8').replace(/^\uFEFF/, ''))
      assert.ok(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return
    }
    assert.ok(r.err instanceof NotifySenderError, `threw ${String(r.err)}`)
    assert.equal(r.err.code, 'NS_ERR_CONFIG')
    assert.match(r.err.message, /notify-sender\.config\.json/)
  }), RUNS)
})
