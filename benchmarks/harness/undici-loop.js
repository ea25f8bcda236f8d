// Bare undici 7 dispatch() loop: the runtime's floor for undici, with the knobs notify-sender uses (one
// Client, pipelining = streams, idempotent + non-blocking so HTTP/2 multiplexes and HTTP/1.1 pipelines,
// a pre-built flat header array, a legacy handler object so undici does not wrap it).
// e.g. node undici-loop.js --url=https://127.0.0.1:18444 --h2 --conns=1 --pipelining=100 --inflight=100
//      node undici-loop.js --url=http://127.0.0.1:18081 --conns=100 --pipelining=1 --inflight=100
//      --in-worker runs the same loop in one worker_thread (as notify-sender does), to price the thread itself.
//      --encrypt encrypts every body with notify-sender's encryptPayload + VAPID signer first (send's floor:
//      crypto and undici in one loop, without the engine, the feeder or the outcome bookkeeping).
import { Worker, isMainThread } from 'node:worker_threads'
import { Client, Pool } from 'undici'
import { args, fixtures, Meter, drain, hardStop, performance } from './lib.js'

const o = args({ url: 'https://127.0.0.1:18444', h2: false, conns: 1, pipelining: 1, inflight: 100, duration: 10, warmup: 1, 'in-worker': false })
if (o['in-worker'] && isMainThread) {
  // eslint-disable-next-line no-new
  new Worker(new URL(import.meta.url), { argv: process.argv.slice(2) })
} else {
  await run()
}

async function run () {
  const { body, headerArray, nextPath, ca, work } = fixtures(o)
  let makeBody = null
  if (o.encrypt) {
    const fs = await import('node:fs')
    const { encryptPayload } = await import('../../dist/src/push/encrypt.js')
    const { VapidSigner } = await import('../../dist/src/push/vapid.js')
    const b64 = (x) => Buffer.from(x, 'base64url')
    const keys = JSON.parse(fs.readFileSync(work + '/vapid.json', 'utf8'))
    const signer = new VapidSigner({ publicKey: b64(keys.publicKey), privateKey: b64(keys.privateKey), subject: keys.subject })
    const payload = fs.readFileSync(work + '/payload.txt')
    const subs = fs.readFileSync(work + '/subs-100000.ndjson', 'utf8').split('\n', 4096).map((l) => JSON.parse(l))
      .map((x) => ({ p256dh: b64(x.keys.p256dh), auth: b64(x.keys.auth), origin: new URL(x.endpoint).origin }))
    let n = 0
    const base = headerArray.slice(0, -2) // every push header but the fixture's authorization
    makeBody = () => {
      const sub = subs[n++ & 4095]
      const h = base.slice()
      h.push('authorization', signer.authorization(sub.origin, Date.now()))
      return [encryptPayload(payload, sub), h]
    }
  }
  const opts = {
    connect: { ca },
    keepAliveTimeout: 60e3,
    pipelining: o.pipelining,
    ...(o.h2 ? { allowH2: true, maxConcurrentStreams: Math.min(o.pipelining, 100) } : {})
  }
  const disp = o.conns === 1 ? new Client(o.url, opts) : new Pool(o.url, { ...opts, connections: o.conns })
  const m = new Meter(o)
  let inflight = 0

  class Handler {
    constructor (t) { this.t = t; this.status = 0 }
    onConnect () {}
    onHeaders (status) { this.status = status; return true }
    onData () { return true }
    onComplete () { m.ok(this.status, this.t); fire() }
    onError (e) { m.err(e); fire() }
  }

  function fire () {
    if (!m.running) { inflight--; return }
    if (makeBody !== null) {
      const [b, h] = makeBody()
      disp.dispatch({ path: nextPath(), method: 'POST', headers: h, body: b, idempotent: true, blocking: false }, new Handler(performance.now()))
      return
    }
    disp.dispatch({ path: nextPath(), method: 'POST', headers: headerArray, body, idempotent: true, blocking: false }, new Handler(performance.now()))
  }

  m.start(() => {
    drain(() => inflight, 5000, (left) => {
      m.report({ tool: 'undici-dispatch', url: o.url, h2: o.h2, conns: o.conns, pipelining: o.pipelining, inflight: o.inflight, undrained: left })
      disp.destroy().then(() => { process.exitCode = 0 })
    })
  })
  for (let i = 0; i < o.inflight; i++) { inflight++; fire() }
  hardStop(o)
}
