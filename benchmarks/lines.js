#!/usr/bin/env node
// Streams a generated NDJSON file through readLines, then through readLines + parseSubscriptionLine,
// printing lines/s and peak RSS. Run `npm run build` first. Usage: node benchmarks/lines.js [lines=1000000]
// Each measurement runs in a fresh child process so that its peak RSS is its own, not the generator's.
// Not a test: numbers depend on the machine. The temporary files are removed at the end.
import { execFileSync } from 'node:child_process'
import { createECDH, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { openInput, readLines } from '../dist/src/input/lines.js'
import { compileEndpointPolicy } from '../dist/src/webpush/endpoint-policy.js'
import { parseSubscriptionLine } from '../dist/src/webpush/subscription.js'

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)

if (process.argv[2] === '--measure') {
  await measure(process.argv[3], process.argv[4])
} else {
  await main(Number(process.argv[2] ?? 1_000_000))
}

async function measure (mode, path) {
  const policy = compileEndpointPolicy({})
  const t0 = process.hrtime.bigint()
  let records = 0
  let valid = 0
  let tooLong = 0
  for await (const rec of readLines(await openInput(path))) {
    records++
    if (!('text' in rec)) tooLong++
    else if (mode === 'parse' && parseSubscriptionLine(rec.text, policy).ok) valid++
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  const { size } = await stat(path)
  const label = mode === 'parse' ? 'readLines + parseSubscriptionLine' : 'readLines'
  console.log(`${label.padEnd(34)} ${records} records (${mode === 'parse' ? `${valid} valid, ` : ''}${tooLong} too long) in ${s.toFixed(2)} s: ` +
    `${Math.round(records / s).toLocaleString('en')} lines/s, ${mib(size / s)} MiB/s, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`)
}

async function writeFile (path, lines, makeLine) {
  const out = createWriteStream(path)
  let batch = ''
  for (let i = 0; i < lines; i++) {
    batch += makeLine(i)
    if (batch.length >= 1024 * 1024 || i === lines - 1) {
      if (!out.write(batch)) await once(out, 'drain')
      batch = ''
    }
  }
  out.end()
  await once(out, 'finish')
}

function child (mode, path) {
  process.stdout.write(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', mode, path]))
}

async function main (lines) {
  const dir = await mkdtemp(join(tmpdir(), 'notify-sender-bench-'))
  try {
    const keys = Array.from({ length: 1000 }, () => createECDH('prime256v1').generateKeys().toString('base64url'))
    const auths = Array.from({ length: 1000 }, () => randomBytes(16).toString('base64url'))
    const token = randomBytes(114).toString('base64url') // FCM tokens are ~150 characters
    const ndjson = join(dir, 'subs.ndjson')
    await writeFile(ndjson, lines, (i) => JSON.stringify({
      endpoint: `https://fcm.googleapis.com/fcm/send/${token}${i}`,
      expirationTime: null,
      keys: { p256dh: keys[i % 1000], auth: auths[i % 1000] },
      id: i,
      userId: `user-${i}`
    }) + '\n')
    console.log(`node ${process.version}: ${lines} lines, ${mib((await stat(ndjson)).size)} MiB`)
    child('read', ndjson)
    child('parse', ndjson)
    await rm(ndjson)

    // One 256 MiB line between two normal ones: memory must not follow the line length.
    const huge = join(dir, 'huge-line.ndjson')
    const block = 'x'.repeat(1024 * 1024)
    await writeFile(huge, 258, (i) => i === 0 ? '{"a":1}\n' : i === 257 ? '\n{"b":2}\n' : block)
    console.log('a file holding one 256 MiB line:')
    child('read', huge)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
