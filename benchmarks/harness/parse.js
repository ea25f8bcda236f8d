// Turns one row's stdout/stderr into { rps, count, errors, lat, ... }. `count` is what CPU is divided by:
// completed requests (responses and errors), or settled messages for send / dry-run.
const jsonDoc = (out) => JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1))

export function parseOutput (row, out, err) {
  switch (row.kind) {
    case 'h2load': {
      const r = { rps: Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1]) }
      const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out)
      if (m) { r.count = Number(m[3]); r.errors = Number(m[5]) + Number(m[6]) + Number(m[7]) }
      r.status = /status codes: (.*)/.exec(out)?.[1]
      const lat = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out)
      if (lat) r.lat = `mean ${lat[3]}, max ${lat[2]}`
      r.proto = /Application protocol: (\S+)/.exec(out)?.[1]
      return r
    }
    case 'autocannon': {
      const j = JSON.parse(out.split('\n').find((l) => l.startsWith('{')))
      const count = j['2xx'] + j.non2xx
      return { rps: Math.round(count / j.duration), count, errors: j.errors + j.timeouts + j.non2xx, lat: `p50 ${j.latency.p50} ms, p99 ${j.latency.p99} ms` }
    }
    case 'node': {
      const j = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT ')).slice(7))
      const r = { rps: j.rps, count: j.total_ok + j.total_err, errors: j.total_err, window_cpu_us_per_req: j.window_cpu_us_per_req }
      if (j.pre_us !== undefined) r.pre_us = j.pre_us
      if (j.alpn !== undefined) r.alpn = j.alpn
      if (j.lat_ms) r.lat = `p50 ${j.lat_ms.p50} ms, p99 ${j.lat_ms.p99} ms`
      if (j.errors && Object.keys(j.errors).length > 0) r.errorSample = Object.keys(j.errors)[0]
      return r
    }
    case 'nsload':
    case 'nsidle': {
      const j = jsonDoc(out)
      const q = j.requests
      return {
        rps: q.rps,
        count: q.completed,
        errors: q.errors,
        lat: `p50 ${j.latency.corrected.p50} ms, p99 ${j.latency.corrected.p99} ms`,
        connections: j.connections.opened,
        ...(Object.keys(j.errors).length > 0 ? { errorSample: JSON.stringify(j.errors).slice(0, 200) } : {})
      }
    }
    case 'nsrate': {
      const j = jsonDoc(out)
      const q = j.requests
      const secs = j.settings.durationMs / 1000
      return {
        rps: +(q.completed / secs).toFixed(1),
        count: q.completed,
        errors: q.errors,
        target: j.settings.rate,
        achieved: +(q.started / secs).toFixed(1),
        late: q.late,
        dropped: q.dropped,
        lateness_ms: { p50: j.latency.startLag.p50, p99: j.latency.startLag.p99, max: j.latency.startLag.max },
        lat: `p50 ${j.latency.corrected.p50} ms, p99 ${j.latency.corrected.p99} ms`
      }
    }
    case 'nssend': {
      const j = jsonDoc(out)
      const o = j.outcomes
      const count = o.sent + o.dryRun
      return {
        rps: +(count / (j.durationMs / 1000)).toFixed(1),
        count,
        errors: o.failed + o.indeterminate + o.invalid,
        read: o.read,
        outcomes: o,
        lat: j.latency.corrected.count > 0 ? `p50 ${j.latency.corrected.p50} ms, p99 ${j.latency.corrected.p99} ms` : undefined
      }
    }
  }
  throw new Error('unknown kind ' + row.kind)
}
