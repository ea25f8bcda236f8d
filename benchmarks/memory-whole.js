#!/usr/bin/env node
// Peak memory of a complete --dry-run send over a whole input, by input size (#12 item 8). The memory rows
// of run.js stop after MEMDUR seconds, so they never see the end of a large input; this runs each input to
// the end and compares the peak RSS of the largest with the smallest. Target: 10M lines <= 100k lines + 64 MB.
// `npm run bench -- --memory-whole` runs it after the other rows and puts the result in RESULTS.md's targets.
//
//   npm run build && node benchmarks/memory-whole.js                  100k and 10M lines, 2 workers, --out
//   LINES=100000,1000000,10000000 WORKERS=1 node benchmarks/memory-whole.js
//   VALID_EVERY=1 node benchmarks/memory-whole.js                     every line encrypted (10M: ~30 min on 2 cores)
//
// Crypto is not what this measures (it is per line and frees everything it allocates), so by default one line
// in VALID_EVERY=500 is a valid subscription that is encrypted; the others are real-size subscriptions for a
// push service that is not allowed: read, journaled, handed to a worker, parsed, rejected and written to
// invalid.ndjson, the same path through every line-sized structure as a sent line (test/integration/memory.test.ts
// does the same at 1M). Each send runs as `/usr/bin/time -f '%M %e %U %S'` (peak RSS of the whole process, all
// threads; wall and CPU seconds). Inputs are generated once under benchmarks/work/memory-whole/ and kept
// (10M lines: 3.2 GB; delete the directory when done). Appends one markdown table per run to
// benchmarks/work/memory-whole.md and prints it; the last run's figures go to benchmarks/work/memory-whole.json
// (read by run.js).
import { execFileSync, spawnSync } from 'node:child_process'
import { createECDH, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeLines } from './harness/fixtures.js'

const bench = path.dirname(new URL(import.meta.url).pathname)
const repo = path.dirname(bench)
const work = path.join(bench, 'work', 'memory-whole')
const LINES = (process.env.LINES ?? '100000,10000000').split(',').map(Number)
const WORKERS = Number(process.env.WORKERS ?? 2)
const VALID_EVERY = Number(process.env.VALID_EVERY ?? 500)
const MB = 1024 * 1024

fs.mkdirSync(work, { recursive: true })
const vapid = path.join(work, 'vapid.json')
if (!fs.existsSync(vapid)) fs.writeFileSync(vapid, execFileSync(process.execPath, [path.join(repo, 'bin/notify-sender.js'), 'keys', '--subject', 'mailto:bench@example.com']), { mode: 0o600 })

async function makeInput (n) {
  const f = path.join(work, `subs-${n}-v${VALID_EVERY}.ndjson`)
  if (fs.existsSync(f)) return f
  const keys = Array.from({ length: 64 }, () => `"keys":{"p256dh":"${createECDH('prime256v1').generateKeys().toString('base64url')}","auth":"${randomBytes(16).toString('base64url')}"}`)
  const tag = randomBytes(60).toString('base64url')
  await writeLines(f, n, (i) => {
    const host = i % VALID_EVERY === 0 ? 'https://fcm.googleapis.com/fcm/send/' : 'https://push.example.net/wpush/v2/'
    return `{"endpoint":"${host}${tag}${i.toString(36).padStart(8, '0')}","expirationTime":null,${keys[i & 63]},"id":"user-${i}"}\n`
  })
  return f
}

function runOnce (input, n) {
  const out = path.join(work, `out-${n}`)
  fs.rmSync(out, { recursive: true, force: true })
  const r = spawnSync('/usr/bin/time', ['-f', '%M %e %U %S', process.execPath, path.join(repo, 'bin/notify-sender.js'), 'send', String(WORKERS),
    '--dry-run', '-p', '{"title":"bench"}', '-s', input, '--vapid-keys', vapid, '--out', out, '--json', '-q', '--log-level', 'warn'], { encoding: 'utf8', maxBuffer: 64 * MB })
  const last = r.stderr.trim().split('\n').pop() ?? ''
  const [kb, seconds, user, sys] = last.split(' ').map(Number)
  if (r.status !== 0 || !(kb > 0)) throw new Error(`send of ${n} lines failed (exit ${r.status}): ${r.stderr.slice(-2000)}`)
  const report = JSON.parse(r.stdout)
  if (report.outcomes.read !== n) throw new Error(`read ${report.outcomes.read} of ${n} lines`)
  fs.rmSync(out, { recursive: true, force: true })
  return { lines: n, peakMB: (kb * 1024) / MB, seconds, cpuSeconds: Math.round((user + sys) * 100) / 100, outcomes: report.outcomes }
}

const rows = []
for (const n of LINES) {
  const input = await makeInput(n)
  const m = runOnce(input, n)
  rows.push(m)
  process.stderr.write(`${n} lines: peak RSS ${m.peakMB.toFixed(0)} MB in ${m.seconds} s (invalid ${m.outcomes.invalid}, dry-run ${m.outcomes.dryRun})\n`)
}
const base = rows[0]
const stamp = new Date().toISOString().slice(0, 19)
const commit = (spawnSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout ?? '').trim()
const lines = [
  `\n### ${stamp} · node ${process.version} · ${os.cpus().length} CPU · ${WORKERS} worker(s) · 1 valid line in ${VALID_EVERY} · --dry-run --out · ${commit}`,
  '',
  '| lines | peak RSS (MB) | vs first (MB) | limit | result | wall (s) | CPU (s) |',
  '| ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ...rows.map((m) => {
    const d = m.peakMB - base.peakMB
    return `| ${m.lines.toLocaleString('en')} | ${m.peakMB.toFixed(0)} | ${m === base ? '' : (d >= 0 ? '+' : '') + d.toFixed(0)} | ${m === base ? '' : '+64'} | ${m === base ? '' : d <= 64 ? '**PASS**' : '**MISS**'} | ${m.seconds} | ${m.cpuSeconds} |`
  })
]
fs.appendFileSync(path.join(bench, 'work', 'memory-whole.md'), lines.join('\n') + '\n')
fs.writeFileSync(path.join(bench, 'work', 'memory-whole.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, workers: WORKERS, validEvery: VALID_EVERY, commit, rows: rows.map(({ outcomes, ...m }) => m) }, null, 1) + '\n')
process.stdout.write(lines.join('\n') + '\n')
