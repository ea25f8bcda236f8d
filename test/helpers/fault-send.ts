// What the send fault suites share: a send to a scripted (or any) push service on loopback, bounded in
// time, and the checks on what came back.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { SendOptions } from '../../src/run/send.js'
import type { RunHooks } from '../../src/run/handle.js'
import type { Report } from '../../src/report/report.js'
import { isRetryable } from '../../src/engine/error-kind.js'
import type { ErrorKind } from '../../src/engine/error-kind.js'
import { tempDir } from './files.js'
import { startPushServer } from './push-server.js'
import type { PushAction, PushRequest, PushServer } from './push-server.js'
import { sendBounded, writeSubscriptions, writeVapidKeyFile } from './send-run.js'
import type { OutcomeRecord } from './send-run.js'

// A hang guard, not a timing assertion: the slowest of these runs takes a few seconds on an idle machine,
// many times that on a loaded one.
const RUN_BOUND_MS = 60_000

/** A finished send: its report and where its outcome files are. */
export interface Run {
  report: Report
  out: string
  dir: string
}

/** Sends `count` subscriptions for `server` (its paths are /p/0 .. /p/count-1) and returns the report. */
export async function sendTo (server: { host: string, ca: string, origin?: string }, count: number, options: Partial<SendOptions> = {}, hooks: RunHooks = {}, boundMs = RUN_BOUND_MS): Promise<Run> {
  const dir = tempDir()
  const out = join(dir, 'out')
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  const report = await sendBounded({
    subscriptions: writeSubscriptions(dir, server.origin ?? `https://${server.host}`, count),
    payload: 'fault suite',
    vapidKeys: writeVapidKeyFile(dir),
    ca,
    allowHost: [server.host],
    allowPrivate: true,
    out,
    workers: 1,
    http: 2,
    retries: 3,
    logLevel: 'silent',
    ...options
  }, 'send run', boundMs, hooks)
  return { report, out, dir }
}

/** A scripted push server that the test closes when it ends. */
export async function pushServer (t: TestContext, script: (r: PushRequest) => PushAction, options: Parameters<typeof startPushServer>[1] = {}): Promise<PushServer> {
  const server = await startPushServer(script, options)
  t.after(async () => { await server.close() })
  return server
}

/** The plain answer of a healthy push service. */
export const CREATED: PushAction = { status: 201 }

/** The attempts recorded on each record. */
export function attemptsOf (records: OutcomeRecord[]): number[] {
  return records.map((r) => r.attempts ?? 0)
}

/** Every error the report counts is of a kind the engine retries. */
export function assertRetryableErrorsOnly (report: Report): void {
  for (const kind of Object.keys(report.errors)) assert.ok(isRetryable(kind as ErrorKind), `unexpected error kind ${kind}: ${JSON.stringify(report.errors)}`)
}

/** Error counts by kind, for diagnostics. */
export function errorCounts (report: Report): string {
  return JSON.stringify(Object.fromEntries(Object.entries(report.errors).map(([k, v]) => [k, v.count])))
}
