// Bounded memory of the streaming path: a million-line input goes through a dry-run send (reader, feeder,
// dispatch journal, one worker thread, outcome files) while the whole process's memory is sampled. What
// this proves: the memory a send needs does not grow with the input. Crypto is not the subject (it costs
// ~0.3 ms a line, see benchmarks/crypto.js), so most lines are real-size subscriptions for a push service
// that is not allowed: they are read, journaled, handed to the worker, parsed and rejected before any
// encryption, and written to invalid.ndjson. One line in 500 is fully valid and encrypted. The 10M figure
// lives in the benchmark.
//
// Why growth is measured across the input rather than from the start: the start-up cost is a fixed
// offset set by the runtime, not by the input. Measured (peak minus start, one worker, this machine):
//   rss by lines   250k   1M    2M      at 1M: main heapTotal  worker heapTotal  V8 semi-space
//   Node 22        +112  +114  +115                +54 MB          50 MB            16 MB
//   Node 26        +132  +180  +178                +73 MB          82 MB            32 MB
// Node 26 sizes the young generation from the heap limit (4 GB here, from the machine's memory):
// 32 MB semi-spaces instead of 16, in the main thread and in each worker; with --max-semi-space-size=16
// Node 26 is back at Node 22's heaps. RSS reaches its plateau after ~250k lines, then stays flat.
// So the test samples memory by how much of the input has been read, and checks that the second half
// of the input adds (almost) nothing over the first half's peak; a leak of ~70 bytes a line, or an
// unbounded read-ahead, fails it, whatever the runtime's fixed offset. The file is handed to the send as a
// stream of chunks (the same line reader a path goes through) so that the test sees how much was read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { closeSync, createReadStream, existsSync, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { OUTCOME_FILES } from '../../src/send/outcome-files.js'
import type { OutcomeKind } from '../../src/send/outcome.js'
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

/** The input file as a stream of chunks, counting the bytes handed to the send in `read`. */
async function * counted (path: string, read: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    read.bytes += chunk.length
    yield chunk
  }
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
    // Every outcome file exists, empty when nothing had that outcome (#11): count only the kinds that occurred.
    if (n > 0) perKind[kind] = n
  }
  assert.equal(seen.indexOf(0, 1), -1, 'every line settled')
  return perKind
}

test('a 1M-line dry run streams: memory does not grow over the second half of the input, and every line is accounted for', { timeout: 360_000 }, async (t) => {
  const dir = tempDir()
  const input = join(dir, 'subscriptions.ndjson')
  const size = writeInput(input)
  assert.ok(size > 200 * MB, `input is ${Math.round(size / MB)} MB`)
  const out = join(dir, 'out')
  const vapidKeys = writeVapidKeyFile(dir)

  // Memory samples, split by how much of the input had been read: the first half pays the fixed costs
  // (worker start-up, young generations growing to their size), the second half must add nothing.
  const read = { bytes: 0 }
  const base = process.memoryUsage()
  const first = { rss: 0, heapUsed: 0, samples: 0 }
  const second = { rss: 0, heapUsed: 0, samples: 0 }
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    const half = read.bytes <= size / 2 ? first : second
    half.rss = Math.max(half.rss, m.rss)
    half.heapUsed = Math.max(half.heapUsed, m.heapUsed)
    half.samples++
  }, 100)
  const started = Date.now()
  let report
  try {
    // A hang guard, not a speed target: on a quiet 2-core machine this takes 10–20 s, and over 90 s when the
    // machine runs other suites at the same time.
    report = await sendBounded({ subscriptions: counted(input, read), payload: 'memory', vapidKeys, out, dryRun: true, workers: 1, logLevel: 'silent' }, '1M-line dry run', 300_000)
  } finally {
    clearInterval(sampler)
  }
  const elapsed = Date.now() - started
  const rssGrowth = second.rss - first.rss
  const heapGrowth = second.heapUsed - first.heapUsed
  const mb = (n: number): number => Math.round(n / MB)
  t.diagnostic(`${process.version}: input ${mb(size)} MB, ${LINES} lines in ${elapsed} ms; ${first.samples} + ${second.samples} samples; ` +
    `rss ${mb(base.rss)} -> peak ${mb(first.rss)} MB in the first half of the input, ${mb(second.rss)} MB in the second (${rssGrowth >= 0 ? '+' : ''}${mb(rssGrowth)}); ` +
    `main heap ${mb(base.heapUsed)} -> peak ${mb(first.heapUsed)} / ${mb(second.heapUsed)} MB`)

  assert.equal(read.bytes, size, 'the whole input was read')
  const expectedValid = Math.floor(LINES / VALID_EVERY)
  assert.deepEqual(report.outcomes, {
    read: LINES, sent: 0, expired: 0, failed: 0, invalid: LINES - expectedValid, dryRun: expectedValid, notAttempted: 0, indeterminate: 0, skipped: 0
  })
  assert.deepEqual(report.problems, [])
  assert.ok(first.samples >= 3 && second.samples >= 3, `only ${first.samples} + ${second.samples} memory samples`)
  // Holding what was read would add half the input (116 MB as bytes, more as JS strings) in the second
  // half; 32 MB over 500k lines lets through nothing bigger than ~67 bytes a line. Measured: -3 to +11 MB.
  assert.ok(rssGrowth < 32 * MB, `rss grew by ${mb(rssGrowth)} MB over the second half of a ${mb(size)} MB input`)
  assert.ok(heapGrowth < 16 * MB, `main-thread heap grew by ${mb(heapGrowth)} MB over the second half of the input`)

  const perKind = await linesSettledOnce(out)
  assert.deepEqual(perKind, { invalid: LINES - expectedValid, 'dry-run': expectedValid })
})
