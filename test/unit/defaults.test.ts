// #13: the defaults, the environment variables and the parsed-value types all come from the options
// table and DEFAULTS; these checks fail when one of them is written down somewhere else again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULTS } from '../../src/defaults.js'
import { envVars, OPTIONS, optionHelp } from '../../src/config/options.js'
import type { ParsedOptions } from '../../src/config/options.js'
import { formatDuration } from '../../src/config/parse.js'
import { configSchema } from '../../src/config/schema.js'
import { normalizeOptions } from '../../src/config/normalize.js'

test('parsed values are typed by their parser: a misspelt key or a wrong type does not compile', () => {
  const parsed: ParsedOptions = normalizeOptions({ rate: '10', http: 'auto', header: 'a: b' }, 'load')
  const rate: number | undefined = parsed.rate
  const http: 1 | 2 | 'auto' | undefined = parsed.http
  const header: Array<[string, string]> | undefined = parsed.header
  assert.deepEqual({ rate, http, header }, { rate: 10, http: 'auto', header: [['a', 'b']] })
  // @ts-expect-error -- no such option
  const typo: ParsedOptions = { rte: 10 }
  // @ts-expect-error -- durations are parsed to milliseconds, not kept as text
  const text: ParsedOptions = { timeout: '10s' }
  assert.ok(typo !== undefined && text !== undefined)
})

test('help and the config file schema show the defaults of DEFAULTS', () => {
  assert.match(optionHelp(OPTIONS.timeout), new RegExp(`\\(default: ${formatDuration(DEFAULTS.timeout)}\\)$`))
  assert.match(optionHelp(OPTIONS.ttl), /\(default: 28d\)$/)
  assert.match(optionHelp(OPTIONS.maxErrorRate), new RegExp(`send: ${DEFAULTS.send.maxErrorRate * 100}%`))
  const properties = configSchema().properties as Record<string, { description: string }>
  assert.match(properties.retries?.description ?? '', new RegExp(`\\(default: ${DEFAULTS.retries}\\)`))
})

test('environment variables are named on their options, secret ones marked', () => {
  const env = new Map(envVars().map((e) => [e.name, e.secret === true]))
  assert.deepEqual([...env.keys()].sort(), [
    'JOB_COMPLETION_INDEX', 'NOTIFY_SENDER_SHARD', 'NOTIFY_SENDER_VAPID_PRIVATE_KEY', 'NOTIFY_SENDER_VAPID_PUBLIC_KEY',
    'NOTIFY_SENDER_VAPID_SUBJECT', 'PGPASSWORD'
  ])
  assert.deepEqual([...env].filter(([, secret]) => secret).map(([name]) => name).sort(), ['NOTIFY_SENDER_VAPID_PRIVATE_KEY', 'PGPASSWORD'])
  assert.match(optionHelp(OPTIONS.shard), /\(env: NOTIFY_SENDER_SHARD, JOB_COMPLETION_INDEX\)/)
})
