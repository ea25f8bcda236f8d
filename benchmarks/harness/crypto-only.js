// Crypto-only cost of one Web Push message in notify-sender: encryptPayload (RFC 8291 aes128gcm, a new
// ECDH key pair per message) + the VAPID Authorization header (cached signer), on one thread, no I/O.
// The same dist/ modules the send path runs. e.g. node crypto-only.js --duration=10 --payload=@payload.txt
import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { encryptPayload } from '../../dist/src/webpush/encrypt.js'
import { VapidSigner } from '../../dist/src/webpush/vapid.js'
import { Worker, isMainThread } from 'node:worker_threads'
import { args } from './lib.js'

const o = args({ duration: 10, warmup: 1, 'in-worker': false })
if (o['in-worker'] && isMainThread) {
  // The same loop in one worker_thread (where notify-sender encrypts), to price the thread itself.
  // eslint-disable-next-line no-new
  new Worker(new URL(import.meta.url), { argv: process.argv.slice(2) })
} else {
  run()
}

function run () {
  const work = o.work ?? new URL('../work/', import.meta.url).pathname
  const vapid = JSON.parse(fs.readFileSync(path.join(work, 'vapid.json'), 'utf8'))
  const b64 = (s) => Buffer.from(s, 'base64url')
  const signer = new VapidSigner({ publicKey: b64(vapid.publicKey), privateKey: b64(vapid.privateKey), subject: vapid.subject })
  const payload = fs.readFileSync(path.join(work, 'payload.txt'))
  // 4096 real subscriptions from the generated file.
  const lines = fs.readFileSync(path.join(work, 'subs-100000.ndjson'), 'utf8').split('\n', 4096)
  const subs = lines.map((l) => { const s = JSON.parse(l); return { p256dh: b64(s.keys.p256dh), auth: b64(s.keys.auth), origin: new URL(s.endpoint).origin } })

  let n = 0
  let bytes = 0
  const t0 = performance.now()
  const endWarm = t0 + o.warmup * 1000
  const end = endWarm + o.duration * 1000
  let winN = 0
  let cpu0 = null
  for (;;) {
    for (let i = 0; i < 64; i++) {
      const s = subs[n & 4095]
      const body = encryptPayload(payload, s)
      const auth = signer.authorization(s.origin, Date.now())
      bytes += body.length + auth.length
      n++
    }
    const now = performance.now()
    if (cpu0 === null && now >= endWarm) { cpu0 = process.cpuUsage(); winN = n }
    if (now >= end) break
  }
  const cpu = process.cpuUsage(cpu0)
  const win = n - winN
  console.log('RESULT ' + JSON.stringify({
    tool: 'crypto-only',
    rps: Math.round(win / o.duration),
    total_ok: n,
    total_err: 0,
    window_cpu_us_per_req: +((cpu.user + cpu.system) / win).toFixed(1),
    body_bytes: Math.round(bytes / n),
    signatures: signer.signatures
  }))
}
