// Raw node:http2 client loop: one session, --inflight streams kept open, the same push-shaped POST.
// e.g. node node-h2-loop.js --url=https://127.0.0.1:18444 --inflight=100
import http2 from 'node:http2'
import { args, fixtures, Meter, drain, hardStop, performance } from './lib.js'

const o = args({ url: 'https://127.0.0.1:18444', inflight: 100, duration: 10, warmup: 1 })
const { body, headers, nextPath, ca } = fixtures(o)
const m = new Meter(o)
const events = {}
const ev = (k) => { events[k] = (events[k] || 0) + 1 }
// Node assumes 100 streams until the server's SETTINGS arrive; h2o advertises 100.
const s = http2.connect(o.url, { ca, peerMaxConcurrentStreams: Math.min(o.inflight, 100), settings: { enablePush: false } })
s.on('error', (e) => ev('session error: ' + e.code))
s.on('goaway', (code) => ev('goaway ' + code))
let inflight = 0
const base = { ':method': 'POST', ...headers }

function fire () {
  if (!m.running) { inflight--; return }
  const t = performance.now()
  const req = s.request({ ...base, ':path': nextPath() })
  let status = 0
  req.on('response', (h) => { status = h[':status'] })
  req.on('data', () => {})
  req.on('end', () => { m.ok(status, t) })
  req.on('close', () => { if (!status) m.err(new Error('stream closed rst=' + req.rstCode)); fire() })
  req.on('error', () => { status = 0 })
  req.end(body)
}

m.start(() => drain(() => inflight, 5000, (left) => {
  m.report({ tool: 'node:http2', url: o.url, inflight: o.inflight, undrained: left, events })
  s.close()
}))
for (let i = 0; i < o.inflight; i++) { inflight++; fire() }
hardStop(o)
