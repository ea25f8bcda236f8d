// What a send test needs around runSend: a VAPID key file, subscription lines for any endpoint, the
// outcome files read back, and the one check every send test ends with: each input line has exactly one
// outcome, and the report, the outcome files and the attempts recorded in them all agree.
import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startSend } from '../../src/run/send.js'
import type { SendOptions } from '../../src/run/send.js'
import type { RunHooks } from '../../src/run/handle.js'
import { OUTCOME_FILES } from '../../src/send/outcome-files.js'
import { OUTCOME_COUNT_KEY } from '../../src/send/feeder.js'
import { writeVapidKeys } from './send-fixtures.js'
import type { OutcomeKind } from '../../src/send/outcome.js'
import type { OutcomeCounts, Report } from '../../src/report/report.js'
import { bounded } from './bounded.js'

/** A few real P-256 public keys (base64url), generated once: key generation is the slow part of a line. */
export const P256DH_POOL: readonly string[] = Array.from({ length: 8 }, () => createECDH('prime256v1').generateKeys().toString('base64url'))

/** Writes a VAPID key file (0600) into `dir` and returns its path. */
export function writeVapidKeyFile (dir: string): string {
  return writeVapidKeys(dir).path
}

/** One valid subscription line for `endpoint`; `id` lands in the outcome record's meta. */
export function subscriptionLine (endpoint: string, id: number): string {
  return JSON.stringify({
    endpoint,
    expirationTime: null,
    keys: { p256dh: P256DH_POOL[id % P256DH_POOL.length], auth: randomBytes(16).toString('base64url') },
    id
  })
}

/** Writes `count` subscriptions to `${origin}/p/<i>` and returns the file's path. */
export function writeSubscriptions (dir: string, origin: string | ((i: number) => string), count: number, name = 'subscriptions.ndjson'): string {
  const path = join(dir, name)
  let text = ''
  for (let i = 0; i < count; i++) text += subscriptionLine(`${typeof origin === 'string' ? origin : origin(i)}/p/${i}`, i) + '\n'
  writeFileSync(path, text)
  return path
}

/**
 * Runs a send and resolves with its report, or rejects once `ms` pass — and then stops the run (its
 * worker threads would otherwise keep the test process alive until the runner's own timeout).
 */
export async function sendBounded (options: SendOptions, what: string, ms: number, hooks: RunHooks = {}): Promise<Report> {
  const handle = startSend(options, hooks)
  try {
    return await bounded(handle.done, what, ms)
  } catch (err) {
    handle.stop('SIGTERM')
    await bounded(handle.done, `${what}: stopping`, 15_000).catch(() => {})
    throw err
  }
}

/** One parsed outcome record. */
export interface OutcomeRecord {
  line: number
  reason?: string
  message?: string
  status?: number | null
  attempts?: number
  endpoint?: string
  meta?: Record<string, unknown>
  [k: string]: unknown
}

/** The outcome files under `out`, parsed; a kind without a file has no records. */
export function readOutcomes (out: string): Record<OutcomeKind, OutcomeRecord[]> {
  const result = {} as Record<OutcomeKind, OutcomeRecord[]>
  for (const [kind, file] of Object.entries(OUTCOME_FILES) as Array<[OutcomeKind, string]>) {
    const path = join(out, file)
    result[kind] = existsSync(path)
      ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as OutcomeRecord)
      : []
  }
  return result
}

/** What {@link assertReconciled} checked, for further assertions. */
export interface Reconciled {
  outcomes: OutcomeCounts
  records: Record<OutcomeKind, OutcomeRecord[]>
  /** Line number -> the kind it settled as. */
  kindOf: Map<number, OutcomeKind>
}

/**
 * The accounting every send must satisfy: `read` is the sum of the other counts; each outcome file has
 * exactly as many records as its count; the lines `expectedLines` (default 1..read) each appear in exactly
 * one file, once; and no problem was reported besides the expected ones.
 */
export function assertReconciled (report: Report, out: string, expectedLines?: Iterable<number>): Reconciled {
  const o = report.outcomes
  assert.ok(o !== undefined, 'a send report has outcomes')
  const settled = o.sent + o.expired + o.failed + o.invalid + o.dryRun + o.notAttempted + o.indeterminate + o.skipped
  assert.equal(o.read, settled, `read ${o.read} must equal the sum of the outcomes ${JSON.stringify(o)}`)
  // An input of only bad lines fails the run (#11, nothing succeeded) but reconciles like any other.
  assert.deepEqual(report.problems.filter((p) => !p.startsWith('nothing succeeded')), [])
  const records = readOutcomes(out)
  const kindOf = new Map<number, OutcomeKind>()
  for (const [kind, recs] of Object.entries(records) as Array<[OutcomeKind, OutcomeRecord[]]>) {
    assert.equal(recs.length, o[OUTCOME_COUNT_KEY[kind]], `${OUTCOME_FILES[kind]} holds ${recs.length} records, the report counts ${o[OUTCOME_COUNT_KEY[kind]]}`)
    for (const r of recs) {
      assert.ok(Number.isSafeInteger(r.line) && r.line >= 1, `record without a line number in ${kind}: ${JSON.stringify(r)}`)
      const seen = kindOf.get(r.line)
      assert.equal(seen, undefined, `line ${r.line} settled twice: ${seen ?? ''} and ${kind}`)
      kindOf.set(r.line, kind)
    }
  }
  const expected = [...(expectedLines ?? Array.from({ length: o.read }, (_, i) => i + 1))].sort((a, b) => a - b)
  assert.deepEqual([...kindOf.keys()].sort((a, b) => a - b), expected, 'every expected line settled exactly once')
  return { outcomes: o, records, kindOf }
}

/**
 * Attempts recorded per line agree with the engine's counters: every attempt was started once and
 * finished once, retries are attempts beyond each line's first, and a throttled attempt (429) is
 * given back (it does not use up the retry budget), so it shows in `started` only.
 */
export function assertAttemptsMatch (report: Report, records: Record<OutcomeKind, OutcomeRecord[]>, throttled = 0): number {
  let attempts = 0
  let retries = 0
  for (const kind of ['sent', 'expired', 'failed'] as const) {
    for (const r of records[kind]) {
      assert.ok(typeof r.attempts === 'number' && r.attempts >= 1, `line ${r.line} (${kind}) records its attempts`)
      attempts += r.attempts
      retries += r.attempts - 1
    }
  }
  assert.equal(report.requests.retries, retries, 'report retries = sum of (attempts - 1)')
  assert.equal(report.requests.started, attempts + throttled, 'report started = sum of attempts (+ throttled)')
  assert.equal(report.requests.completed, report.requests.started, 'every started attempt finished')
  return attempts
}
