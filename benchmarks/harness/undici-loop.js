// Bare undici dispatch() loop: the runtime's floor for undici, with the knobs notify-sender uses (one
// Client per connection, h2Options.maxConcurrentStreams for HTTP/2 streams, idempotent + non-blocking so
// HTTP/1.1 can pipeline, a pre-built flat header array, and a handler object with undici 8's handler API
// so undici does not wrap it).
// e.g. node undici-loop.js --url=https://127.0.0.1:18444 --h2 --streams=100 --inflight=100
//      node undici-loop.js --url=http://127.0.0.1:18081 --conns=100 --pipelining=1 --inflight=100
//      --in-worker runs the same loop in one worker_thread (as notify-sender does), to price the thread itself.
//      --encrypt encrypts every body with notify-sender's encryptPayload + VAPID signer first (send's floor:
//      crypto and undici in one loop, without the engine, the feeder or the outcome bookkeeping).
//      --spin=<µs> burns that much CPU per request before dispatching it instead (diagnostic: undici's own
//      cost at the request rate a per-message cost of that size allows, without crypto's cache footprint).
//      --batch=<n> with --encrypt prepares n messages back to back when its queue runs empty (diagnostic).
//      --coalesce=micro|immediate: completions are answered in one flush per microtask checkpoint (or per
//      event-loop turn) that prepares all the owed messages back to back, then dispatches them (diagnostic;
//      --split=false prepares and dispatches them one by one instead).
//      With --encrypt or --spin the RESULT also carries the thread CPU spent in them per request (pre_us).
//      --undici=<path to an undici index.js> loads another copy (the Node 20 reference row runs undici 7:
//      its HTTP/2 streams need pipelining = streams, and its native handler API is the legacy one).
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, isMainThread } from 'node:worker_threads'
import { args, fixtures, Meter, drain, hardStop, performance } from './lib.js'

const o = args({ url: 'https://127.0.0.1:18444', h2: false, conns: 1, pipelining: 1, streams: 100, inflight: 100, duration: 10, warmup: 1, 'in-worker': false, undici: '', spin: 0, batch: 1, coalesce: false, split: true })
if (o['in-worker'] && isMainThread) {
  // eslint-disable-next-line no-new
  new Worker(new URL(import.meta.url), { argv: process.argv.slice(2) })
} else {
  await run()
}

async function loadUndici () {
  if (o.undici === '') {
    const require = createRequire(import.meta.url)
    const main = require.resolve('undici')
    return { undici: await import(pathToFileURL(main).href), version: require('undici/package.json').version }
  }
  const main = path.resolve(o.undici)
  const require = createRequire(main)
  return { undici: await import(pathToFileURL(main).href), version: require('./package.json').version }
}

async function run () {
  const { body, headerArray, nextPath, ca, work } = fixtures(o)
  const { undici, version } = await loadUndici()
  const major = Number(version.split('.')[0])
  let makeBody = null
  if (o.encrypt) {
    const fs = await import('node:fs')
    const { encryptPayload } = await import('../../dist/src/webpush/encrypt.js')
    const { VapidSigner } = await import('../../dist/src/webpush/vapid.js')
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
  if (o.spin > 0) {
    const spinNs = BigInt(Math.round(o.spin * 1000))
    makeBody = () => {
      const end = process.hrtime.bigint() + spinNs
      while (process.hrtime.bigint() < end);
      return [body, headerArray]
    }
  }
  if (o.batch > 1 && makeBody !== null) {
    // Prepare --batch messages back to back whenever the queue is empty, instead of one per dispatch.
    const one = makeBody
    const queue = []
    makeBody = () => {
      if (queue.length === 0) for (let i = 0; i < o.batch; i++) queue.push(one())
      return queue.pop()
    }
  }
  // Thread CPU inside makeBody (encrypt + VAPID header, or the spin), counted in the measurement window.
  let preUs = 0
  let preN = 0
  const timed = makeBody === null || typeof process.threadCpuUsage !== 'function'
    ? makeBody
    : (() => {
        const f = makeBody
        return () => {
          const a = process.threadCpuUsage()
          const r = f()
          if (m.inWindow) {
            const b = process.threadCpuUsage(a)
            preUs += b.user + b.system
            preN++
          }
          return r
        }
      })()
  // The connector records what ALPN chose. undici 8 offers http/1.1 first unless preferH2 is set (undici 7
  // ignores preferH2); h2o picks by its own preference either way, but the loop asks for h2 like the product.
  let alpn = null
  const base = undici.buildConnector({ ca, allowH2: o.h2, preferH2: o.h2, maxCachedSessions: 100 })
  const connect = (opts, cb) => base(opts, (err, socket) => {
    if (socket) alpn = socket.alpnProtocol || 'http/1.1'
    cb(err, socket)
  })
  const h2 = !o.h2
    ? {}
    : major >= 8
      ? { allowH2: true, h2Options: { maxConcurrentStreams: o.streams } }
      // undici 7: only as many streams as `pipelining` allows; maxConcurrentStreams is a top-level option.
      : { allowH2: true, maxConcurrentStreams: o.streams, pipelining: o.streams }
  const opts = { connect, keepAliveTimeout: 60e3, pipelining: o.pipelining, ...h2 }
  const disp = o.conns === 1 ? new undici.Client(o.url, opts) : new undici.Pool(o.url, { ...opts, connections: o.conns })
  const m = new Meter(o)
  let inflight = 0

  // undici 8's handler API (undici 7 accepts it through a wrapper; it gets its own legacy handler below).
  class Handler {
    constructor (t) { this.t = t; this.status = 0 }
    onRequestStart () { this.status = 0 }
    onResponseStart (_c, status) { this.status = status }
    onResponseData () {}
    onResponseEnd () { m.ok(this.status, this.t); next() }
    onResponseError (_c, e) { m.err(e); next() }
  }
  class LegacyHandler {
    constructor (t) { this.t = t; this.status = 0 }
    onConnect () {}
    onHeaders (status) { this.status = status; return true }
    onData () { return true }
    onComplete () { m.ok(this.status, this.t); next() }
    onError (e) { m.err(e); next() }
  }
  const H = major >= 8 ? Handler : LegacyHandler

  function fire () {
    if (!m.running) { inflight--; return }
    if (timed !== null) {
      const [b, h] = timed()
      disp.dispatch({ path: nextPath(), method: 'POST', headers: h, body: b, idempotent: true, blocking: false }, new H(performance.now()))
      return
    }
    disp.dispatch({ path: nextPath(), method: 'POST', headers: headerArray, body, idempotent: true, blocking: false }, new H(performance.now()))
  }

  // --coalesce=micro|immediate: a completion only counts a request owed; one flush per microtask checkpoint
  // (or per event-loop turn) prepares every owed request back to back, then dispatches them (diagnostic).
  let owed = 0
  let scheduled = false
  const schedule = o.coalesce === 'immediate' ? setImmediate : queueMicrotask
  function flush () {
    scheduled = false
    const n = owed
    owed = 0
    if (!m.running) { inflight -= n; return }
    if (!o.split) {
      for (let i = 0; i < n; i++) fire()
      return
    }
    const ready = []
    for (let i = 0; i < n; i++) ready.push(timed !== null ? timed() : [body, headerArray])
    for (const [b, h] of ready) disp.dispatch({ path: nextPath(), method: 'POST', headers: h, body: b, idempotent: true, blocking: false }, new H(performance.now()))
  }
  const next = !o.coalesce
    ? fire
    : () => {
        owed++
        if (!scheduled) { scheduled = true; schedule(flush) }
      }

  m.start(() => {
    drain(() => inflight, 5000, (left) => {
      m.report({ tool: 'undici-dispatch', undici: version, node: process.version, alpn, url: o.url, h2: o.h2, conns: o.conns, streams: o.h2 ? o.streams : undefined, pipelining: o.pipelining, inflight: o.inflight, undrained: left, ...(preN > 0 ? { pre_us: +(preUs / preN).toFixed(1) } : {}) })
      disp.destroy().then(() => { process.exitCode = 0 })
    })
  })
  for (let i = 0; i < o.inflight; i++) { inflight++; fire() }
  hardStop(o)
}
