// The human summary (stderr). Everything in it comes from the JSON report, so both always agree.
import type { Report, ThresholdResult } from '../report/report.js'
import type { LatencySummary } from '../stats/histogram.js'

/** Formats a byte count with binary units. */
export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i] as string}`
}

function ms (v: number): string {
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`
}

function latencyLine (label: string, l: LatencySummary): string {
  if (l.count === 0) return `${label.padEnd(10)} no samples`
  return `${label.padEnd(10)} p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)}`
}

function pct (part: number, total: number): string {
  return total === 0 ? '0%' : `${((part * 100) / total).toFixed(1)}%`
}

function percent (ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`
}

/** A threshold with its units (#11): `max-p99 50 ms: BREACHED (actual 212 ms)`, `max-error-rate 5%: ok (actual 0.2%)`. */
export function formatThreshold (t: ThresholdResult): string {
  const unit = t.name === 'max-p99' ? ms : percent
  return `${t.name} ${unit(t.limit)}: ${t.passed ? 'ok' : 'BREACHED'} (actual ${unit(t.actual)})`
}

/**
 * Why a run failed, one line each, for stderr when the table is not shown (`--json` off a terminal,
 * `--quiet`): a breach must never be silent (#11). Empty for a run that passed.
 */
export function renderVerdict (r: Report): string {
  if (r.passed) return ''
  const lines: string[] = [`notify-sender: ${r.command} ${r.interrupted !== null ? `interrupted by ${r.interrupted}` : 'FAILED'} (exit ${r.exitCode})`]
  for (const t of r.thresholds) if (!t.passed) lines.push(`notify-sender: threshold ${formatThreshold(t)}`)
  for (const p of r.problems) lines.push(`notify-sender: problem: ${p}`)
  for (const h of r.hints ?? []) lines.push(`notify-sender: hint: ${h}`)
  return lines.join('\n') + '\n'
}

/** Renders the report as an aligned text table. */
export function renderReport (r: Report): string {
  const lines: string[] = []
  const row = (k: string, v: string): void => { lines.push(`  ${k.padEnd(12)} ${v}`) }
  const s = r.settings
  const http = s.http === 2 ? 'HTTP/2' : s.http === 1 ? 'HTTP/1.1' : 'HTTP auto'
  lines.push(`notify-sender ${r.command}: ${String(s.workers)} worker(s), ${http}, ${(r.durationMs / 1000).toFixed(1)} s${r.interrupted !== null ? ` (interrupted by ${r.interrupted})` : ''}`)
  if (r.merged !== undefined) {
    const m = r.merged
    row('merged', `${m.count} report(s)${m.shards === undefined ? '' : `, shards ${m.shards.indices.join(', ')} of ${m.shards.count}`}${m.files === undefined ? '' : `: ${m.files.join(', ')}`}`)
  }
  const q = r.requests
  row('requests', `${q.completed} completed of ${q.started} started, ${q.rps.toFixed(1)} req/s, error rate ${pct(q.errorRate, 1)}`)
  if (r.outcomes !== undefined) {
    const o = r.outcomes
    row('outcomes', `read ${o.read}: sent ${o.sent}, expired ${o.expired}, failed ${o.failed}, invalid ${o.invalid}` +
      (o.dryRun > 0 ? `, dry-run ${o.dryRun}` : '') + (o.notAttempted > 0 ? `, not attempted ${o.notAttempted}` : '') +
      (o.indeterminate > 0 ? `, indeterminate ${o.indeterminate}` : '') +
      (o.skipped > 0 ? `, already settled by an earlier run ${o.skipped}` : ''))
  }
  const d = r.delivery
  if (d !== undefined && d.possibleDuplicates + d.deliveryUnknown > 0) {
    row('delivery', `${d.possibleDuplicates} sent may be duplicates, ${d.deliveryUnknown} failed may have arrived (an attempt had no answer)`)
  }
  const st = r.status
  const codes = Object.entries(st.codes).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c}:${n}`).join(' ')
  row('status', `2xx ${st['2xx']}  3xx ${st['3xx']}  4xx ${st['4xx']}  5xx ${st['5xx']}${codes === '' ? '' : `  (${codes})`}`)
  const kinds = Object.entries(r.errors).sort((a, b) => b[1].count - a[1].count)
  if (kinds.length === 0) row('errors', 'none')
  for (const [i, [kind, e]] of kinds.entries()) row(i === 0 ? 'errors' : '', `${kind} ${e.count}  e.g. ${e.sample}`)
  if (s.rate !== null && s.rate !== undefined) {
    row('schedule', `target ${String(s.rate)} req/s, late ${q.late}, dropped ${q.dropped}, start lag p99 ${ms(r.latency.startLag.p99)}`)
  } else if (q.late + q.dropped > 0) {
    row('schedule', `late ${q.late}, dropped ${q.dropped}`)
  }
  if (q.retries > 0) row('retries', String(q.retries))
  if (q.replayed > 0) row('replayed', `${q.replayed} (the server had not processed them: GOAWAY, REFUSED_STREAM)`)
  row('latency', latencyLine('corrected', r.latency.corrected))
  row('', latencyLine('raw', r.latency.raw))
  row('bytes', `sent ${formatBytes(r.bytes.sent)}, received ${formatBytes(r.bytes.received)}`)
  const protocols = Object.entries(r.connections.protocols).map(([p, n]) => `${p} ${n}`).join(', ')
  row('connections', `${r.connections.opened} opened${protocols === '' ? '' : ` (${protocols})`}`)
  const total = Object.values(r.perAddress).reduce((a, b) => a + b, 0)
  for (const [i, [addr, n]] of Object.entries(r.perAddress).entries()) row(i === 0 ? 'per address' : '', `${addr.padEnd(39)} ${String(n).padStart(10)}  ${pct(n, total)}`)
  for (const [i, w] of r.workers.entries()) {
    row(i === 0 ? 'per worker' : '', `#${w.source === undefined ? '' : `${w.source}.`}${w.index}  ${w.completed} completed, ${w.errors} errors${w.restarts > 0 ? `, ${w.restarts} restart(s)` : ''}${w.gaveUp ? ', GAVE UP' : ''}`)
  }
  for (const t of r.thresholds) row('threshold', formatThreshold(t))
  for (const p of r.problems) row('problem', p)
  for (const h of r.hints ?? []) row('hint', h)
  row('result', r.interrupted !== null ? `interrupted (exit ${r.exitCode})` : r.passed ? 'passed (exit 0)' : `FAILED (exit ${r.exitCode})`)
  return lines.join('\n') + '\n'
}
