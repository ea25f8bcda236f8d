// Bounded memory of the streaming path: a million-line input goes through a dry-run send (reader, feeder,
// dispatch journal, one worker thread, outcome files) while the whole process's memory is sampled. What
// this proves: the memory a send needs does not grow with the input — 1M lines (about 240 MB) pass
// through with the process growing by a fraction of the file's size. Crypto is not the subject (it costs
// ~0.3 ms a line, see benchmarks/crypto.js), so most lines are real-size subscriptions for a push service
// that is not allowed: they are read, journaled, handed to the worker, parsed and rejected before any
// encryption, and written to invalid.ndjson. One line in 500 is fully valid and encrypted. The 10M figure
// lives in the benchmark.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { closeSync, createReadStream, existsSync, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { OUTCOME_FILES } from '../../src/push/outcome-files.js'
import type { OutcomeKind } from '../../src/engine/protocol.js'
import { tempDir } from '../helpers/files.js'
import { P256DH_POOL, sendBounded, writeVapidKeyFile } from '../helpers/send-run.js'

const LINES = 1_000_000
const VALID_EVERY = 500
const MB = 1024 * 1024

/** Writes the input in 4096-line chunks (the generator itself stays small); returns its size in bytes. */
function writeInput (path: string): number {
  const auths = Array.from({ length: 16 }, () => randomBytes(16).toString('base64url'))
  const fd = openSync(path, 'w')
  try {
    let chunk = ''
    for (let i = 1; i <= LINES; i++) {
      const endpoint = i % VALID_EVERY === 0 ? 'https://fcm.googleapis.com/fcm/send/' : 'https://push.example.net/wpush/v2/'
      chunk += `{"endpoint":"${endpoint}${i.toString(36).padStart(12, '0')}","expirationTime":null,` +
        `"keys":{"p256dh":"${P256DH_POOL[i % P256DH_POOL.length] ?? ''}","auth":"${auths[i % auths.length] ?? ''}"},"id":"user-${i}"}\n`
      if (i % 4096 === 0) {
        writeSync(fd, chunk)
        chunk = ''
      }
    }
    writeSync(fd, chunk)
  } finally {
    closeSync(fd)
  }
  return statSync(path).size
}

/** Streams every outcome file and checks each input line has exactly one record; returns records per kind. */
async function linesSettledOnce (out: string): Promise<Record<string, number>> {
  const seen = new Uint8Array(LINES + 1)
  const perKind: Record<string, number> = {}
  for (const [kind, file] of Object.entries(OUTCOME_FILES) as Array<[OutcomeKind, string]>) {
    const path = join(out, file)
    if (!existsSync(path)) continue
    let n = 0
    for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      if (text === '') continue
      const m = /^\{"line":(\d+),/.exec(text)
      assert.ok(m !== null, `${file}: unexpected record ${text.slice(0, 80)}`)
      const line = Number(m[1])
      assert.ok(line >= 1 && line <= LINES && seen[line] === 0, `${file}: line ${line} out of range or settled twice`)
      seen[line] = 1
      n++
    }
    perKind[kind] = n
  }
  assert.equal(seen.indexOf(0, 1), -1, 'every line settled')
  return perKind
}

test('a 1M-line dry run streams: memory stays bounded far below the input size, and every line is accounted for', { timeout: 120_000 }, async (t) => {
  const dir = tempDir()
  const input = join(dir, 'subscriptions.ndjson')
  const size = writeInput(input)
  assert.ok(size > 200 * MB, `input is ${Math.round(size / MB)} MB`)
  const out = join(dir, 'out')
  const vapidKeys = writeVapidKeyFile(dir)

  const base = process.memoryUsage()
  const peak = { rss: base.rss, heapUsed: base.heapUsed }
  let samples = 0
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak.rss = Math.max(peak.rss, m.rss)
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed)
    samples++
  }, 100)
  const started = Date.now()
  let report
  try {
    // A hang guard: on a 2-core machine this takes 10–20 s.
    report = await sendBounded({ subscriptions: input, payload: 'memory', vapidKeys, out, dryRun: true, workers: 1, logLevel: 'silent' }, '1M-line dry run', 90_000)
  } finally {
    clearInterval(sampler)
  }
  const elapsed = Date.now() - started
  const rssGrowth = peak.rss - base.rss
  const heapGrowth = peak.heapUsed - base.heapUsed
  t.diagnostic(`input ${Math.round(size / MB)} MB, ${LINES} lines in ${elapsed} ms; ${samples} samples; ` +
    `rss ${Math.round(base.rss / MB)} -> peak ${Math.round(peak.rss / MB)} MB (+${Math.round(rssGrowth / MB)}), ` +
    `main heap ${Math.round(base.heapUsed / MB)} -> peak ${Math.round(peak.heapUsed / MB)} MB (+${Math.round(heapGrowth / MB)})`)

  const expectedValid = Math.floor(LINES / VALID_EVERY)
  assert.deepEqual(report.outcomes, {
    read: LINES, sent: 0, expired: 0, failed: 0, invalid: LINES - expectedValid, dryRun: expectedValid, notAttempted: 0, indeterminate: 0, skipped: 0
  })
  assert.deepEqual(report.problems, [])
  assert.ok(samples >= 5, `only ${samples} memory samples`)
  // Holding the input would take at least its size (twice that as JS strings) plus an object per line.
  // The whole process — main thread, the worker's own heap and its start-up — stays far below that.
  assert.ok(rssGrowth < 150 * MB, `rss grew by ${Math.round(rssGrowth / MB)} MB for a ${Math.round(size / MB)} MB input`)
  assert.ok(rssGrowth < size / 1.5)
  assert.ok(heapGrowth < 64 * MB, `main-thread heap grew by ${Math.round(heapGrowth / MB)} MB`)

  const perKind = await linesSettledOnce(out)
  assert.deepEqual(perKind, { invalid: LINES - expectedValid, 'dry-run': expectedValid })
})
