// The `web-push` npm package driven at its best: one keep-alive https.Agent (100 sockets) and 100
// sendNotification() calls in flight, over the same subscriptions as notify-sender send (h1 over TLS:
// web-push only speaks HTTP/1.1 through node:https).
//  --vapid=per-call  vapidDetails on every call (the package signs a new JWT each time: its normal use)
//  --vapid=cached    one Authorization header signed up front and passed in options.headers (a workaround)
import fs from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import webpush from 'web-push'
import { args, Meter, drain, hardStop, performance } from './lib.js'

const o = args({ inflight: 100, duration: 10, warmup: 1, vapid: 'per-call' })
const work = o.work ?? new URL('../work/', import.meta.url).pathname
const ca = fs.readFileSync(path.join(work, 'certs/ca.crt'))
const keys = JSON.parse(fs.readFileSync(path.join(work, 'vapid.json'), 'utf8'))
const payload = fs.readFileSync(path.join(work, 'payload.txt'), 'utf8')
const subs = fs.readFileSync(path.join(work, 'subs-100000.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
const agent = new https.Agent({ keepAlive: true, maxSockets: o.inflight, ca })
const vapidDetails = { subject: keys.subject, publicKey: keys.publicKey, privateKey: keys.privateKey }
const audience = new URL(subs[0].endpoint).origin
const presigned = webpush.getVapidHeaders(audience, keys.subject, keys.publicKey, keys.privateKey, 'aes128gcm').Authorization
const options = o.vapid === 'cached'
  ? { TTL: 2419200, agent, headers: { Authorization: presigned } }
  : { TTL: 2419200, agent, vapidDetails }

const m = new Meter(o)
let inflight = 0
let i = 0
function fire () {
  if (!m.running) { inflight--; return }
  const t = performance.now()
  const sub = subs[i]
  i = i + 1 === subs.length ? 0 : i + 1
  webpush.sendNotification(sub, payload, options).then((r) => { m.ok(r.statusCode, t) }, (e) => { m.err(e) }).then(fire)
}
m.start(() => drain(() => inflight, 5000, (left) => {
  m.report({ tool: 'web-push', vapid: o.vapid, inflight: o.inflight, undrained: left })
  agent.destroy()
}))
for (let k = 0; k < o.inflight; k++) { inflight++; fire() }
hardStop(o)
