#!/usr/bin/env node
// Accepted messages per second of the push-service simulator. The simulator runs in a child
// process (this file with --serve) so the client's CPU is not counted against it; the client is
// one multiplexed undici h2 Client, bodies are encrypted before the clock starts, and every
// message goes to its own subscription (so each costs a key derivation, as in a real large send).
// Needs a build: `npx tsc -p tsconfig.json`.
// Usage: node benchmarks/simulator.js [--threads=0] [--messages=10000] [--concurrency=100]
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { Client } from 'undici'
import { startSimulator } from '../dist/src/sim/simulator.js'
import { simSubscription } from '../dist/src/sim/subscriptions-file.js'
import { encryptPayload } from '../dist/src/webpush/encrypt.js'
import { VapidSigner, audienceOf } from '../dist/src/webpush/vapid.js'
import { generateVapidKeys } from '../dist/src/webpush/keys.js'

// A bare flag (--serve) must read as set: without a value it would come out undefined here, and
// the child would take the client branch and fork again.
const opt = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [name, value] = a.replace(/^--/, '').split('=')
  return [name, value ?? 'true']
}))
const WARMUP = 200

if (opt.serve === 'true') {
  const sim = await startSimulator({ seed: opt.seed, verifyThreads: Number(opt.threads), subscriptions: Number(opt.messages) })
  process.send({ origin: sim.origin, ca: sim.ca })
  process.on('message', (m) => {
    if (m === 'stats') process.send({ stats: sim.stats(), cpu: process.cpuUsage() })
    if (m === 'close') sim.close().then(() => process.disconnect(), () => process.disconnect())
  })
} else {
  const threads = Number(opt.threads ?? 0)
  const n = Number(opt.messages ?? 10_000)
  const concurrency = Number(opt.concurrency ?? 100)
  const seedHex = randomBytes(32).toString('hex')
  const child = fork(new URL(import.meta.url), ['--serve', `--seed=${seedHex}`, `--threads=${threads}`, `--messages=${n}`])
  const [{ origin, ca }] = await once(child, 'message')
  const ask = async () => { child.send('stats'); return (await once(child, 'message'))[0] }

  const seed = Buffer.from(seedHex, 'hex')
  const keys = generateVapidKeys()
  const signer = new VapidSigner({ publicKey: Buffer.from(keys.publicKey, 'base64url'), privateKey: Buffer.from(keys.privateKey, 'base64url'), subject: 'mailto:bench@example.com' })
  const headers = { ttl: '60', 'content-encoding': 'aes128gcm', authorization: signer.authorization(audienceOf(origin)) }
  const payload = Buffer.from(JSON.stringify({ title: 'bench', body: 'x'.repeat(100) }))
  const requests = Array.from({ length: n }, (_, i) => {
    const s = simSubscription(origin, seed, i)
    const receiver = { p256dh: Buffer.from(s.keys.p256dh, 'base64url'), auth: Buffer.from(s.keys.auth, 'base64url') }
    return { path: new URL(s.endpoint).pathname, body: encryptPayload(payload, receiver) }
  })
  const client = new Client(origin, { allowH2: true, pipelining: concurrency, connect: { ca } })
  // idempotent: undici multiplexes only requests it may replay.
  const post = async (r) => {
    const res = await client.request({ method: 'POST', path: r.path, body: r.body, headers, idempotent: true })
    await res.body.dump()
    return res.statusCode
  }
  await Promise.all(requests.slice(0, WARMUP).map(post)) // connection, VAPID cache, pool threads

  const { cpu: simCpu0 } = await ask()
  const clientCpu0 = process.cpuUsage()
  let next = WARMUP
  let accepted = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) if (await post(requests[next++]) === 201) accepted++
  }))
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const { stats, cpu } = await ask()
  const clientCpu = process.cpuUsage(clientCpu0)
  const simCpuSeconds = (cpu.user + cpu.system - simCpu0.user - simCpu0.system) / 1e6
  const measured = n - WARMUP
  console.log(JSON.stringify({
    verifyThreads: threads,
    messages: measured,
    accepted,
    seconds: +seconds.toFixed(2),
    acceptedPerSecond: Math.round(accepted / seconds),
    simulatorCpuMicrosPerMessage: Math.round(simCpuSeconds / measured * 1e6),
    clientCpuSeconds: +((clientCpu.user + clientCpu.system) / 1e6).toFixed(2),
    vapidVerifications: stats.vapidVerifications,
    maxConcurrentStreams: stats.maxConcurrentStreams
  }))
  await client.close()
  child.send('close')
  await once(child, 'exit')
}
