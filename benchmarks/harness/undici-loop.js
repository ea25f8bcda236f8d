// Bare undici 7 dispatch() loop: the runtime's floor for undici, with the knobs notify-sender uses (one
// Client, pipelining = streams, idempotent + non-blocking so HTTP/2 multiplexes and HTTP/1.1 pipelines,
// a pre-built flat header array, a legacy handler object so undici does not wrap it).
// e.g. node undici-loop.js --url=https://127.0.0.1:18444 --h2 --conns=1 --pipelining=100 --inflight=100
//      node undici-loop.js --url=http://127.0.0.1:18081 --conns=100 --pipelining=1 --inflight=100
import { Client, Pool } from 'undici'
import { args, fixtures, Meter, drain, hardStop, performance } from './lib.js'

const o = args({ url: 'https://127.0.0.1:18444', h2: false, conns: 1, pipelining: 1, inflight: 100, duration: 10, warmup: 1 })
const { body, headerArray, nextPath, ca } = fixtures(o)
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
