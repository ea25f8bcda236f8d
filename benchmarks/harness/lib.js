// Shared helpers of the Node load loops (bare undici, node:http2, web-push): arguments, fixtures, a warm-up
// and measurement window, an HDR latency histogram, and one `RESULT {json}` line on stdout.
import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as hdr from 'hdr-histogram-js'

export function args (defaults) {
  const o = { ...defaults }
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error('bad arg ' + a)
    const v = m[2] ?? 'true'
    o[m[1]] = v === 'true' ? true : v === 'false' ? false : (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v)
  }
  return o
}

// Fixtures written by fixtures.js into the work directory (--work, default benchmarks/work).
export function fixtures (o) {
  const work = o.work ?? new URL('../work/', import.meta.url).pathname
  const body = fs.readFileSync(path.join(work, 'body.txt'))
  const paths = fs.readFileSync(path.join(work, 'paths.txt'), 'utf8').trim().split('\n')
  const headers = JSON.parse(fs.readFileSync(path.join(work, 'headers.json'), 'utf8'))
  // Flat [name, value, ...] array, built once: undici takes it as is.
  const headerArray = Object.entries(headers).flat()
  let i = 0
  const nextPath = () => { const p = paths[i]; i = i + 1 === paths.length ? 0 : i + 1; return p }
  const ca = fs.readFileSync(path.join(work, 'certs/ca.crt'))
  return { body, headers, headerArray, nextPath, ca, work }
}

// Warm-up seconds, then a `duration`-second window; counts completions (lifetime and in the window).
export class Meter {
  constructor (o) {
    this.o = o
    this.hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120e6, numberOfSignificantValueDigits: 3, useWebAssembly: false })
    this.totalOk = 0; this.totalErr = 0; this.winOk = 0; this.winErr = 0
    this.status = {}; this.errors = {}
    this.inWindow = false; this.running = true
  }

  start (onStop) {
    const { warmup = 1, duration = 10 } = this.o
    setTimeout(() => {
      this.inWindow = true
      this.cpu0 = process.cpuUsage(); this.tw0 = performance.now()
      setTimeout(() => {
        this.inWindow = false; this.running = false
        this.cpu1 = process.cpuUsage(this.cpu0); this.tw1 = performance.now()
        onStop?.()
      }, duration * 1000)
    }, warmup * 1000)
  }

  ok (status, startedAt) {
    this.totalOk++
    this.status[status] = (this.status[status] || 0) + 1
    if (this.inWindow) { this.winOk++; this.hist.recordValue(Math.max(1, Math.round((performance.now() - startedAt) * 1000))) }
  }

  err (e) {
    this.totalErr++
    if (this.inWindow) this.winErr++
    const k = (e && (e.code || e.name) ? (e.code || e.name) + ': ' : '') + (e?.message ?? String(e)).slice(0, 120)
    this.errors[k] = (this.errors[k] || 0) + 1
  }

  report (extra = {}) {
    const secs = (this.tw1 - this.tw0) / 1000
    const cpu = (this.cpu1.user + this.cpu1.system) / 1e6
    const r = {
      ...extra,
      rps: Math.round(this.winOk / secs),
      window_s: +secs.toFixed(2),
      window_ok: this.winOk,
      window_err: this.winErr,
      total_ok: this.totalOk,
      total_err: this.totalErr,
      window_cpu_us_per_req: +(cpu * 1e6 / this.winOk).toFixed(1),
      lat_ms: { p50: this.hist.getValueAtPercentile(50) / 1000, p99: this.hist.getValueAtPercentile(99) / 1000, max: this.hist.maxValue / 1000 },
      status: this.status,
      errors: this.errors,
      rss_mb: Math.round(process.memoryUsage().rss / 1048576)
    }
    console.log('RESULT ' + JSON.stringify(r))
    return r
  }
}

// Waits until getInflight() is 0 or timeoutMs passed, then calls fn(left).
export function drain (getInflight, timeoutMs, fn) {
  const t = performance.now()
  const tick = () => (getInflight() === 0 || performance.now() - t > timeoutMs) ? fn(getInflight()) : setTimeout(tick, 10)
  tick()
}

// A bench loop must end by itself even if the server hangs.
export function hardStop (o) {
  setTimeout(() => {
    console.error('hard timeout')
    process.kill(process.pid, 'SIGKILL')
  }, ((o.warmup ?? 1) + (o.duration ?? 10) + 20) * 1000).unref()
}

export { performance }
