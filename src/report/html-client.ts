// The script and styles of the HTML report (#14), run by the browser that opens the file. Plain ES2020 in a
// string (the package's TypeScript has no DOM types and nothing here runs in Node): it reads the embedded
// model, builds the tables with textContent (report text is data, never markup) and draws the time series
// and the percentile distribution with uPlot, which the page inlines. Each chart registers how many points
// it drew in window.__nsCharts, which the browser test reads.

/** Styles of the report page (uPlot's own stylesheet is inlined next to it). */
export const CLIENT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; color: #1d232a; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dde3ea; padding-bottom: 4px; }
.meta { color: #5b6672; } .verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 600; color: #fff; }
.pass { background: #1f8a4c; } .fail { background: #c0392b; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eef1f4; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f8fa; font-weight: 600; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; } .chart { margin: 8px 0 16px; min-height: 120px; }
.problems li { color: #c0392b; } .note { color: #5b6672; font-size: 12px; }
`

/** The page script; expects `uPlot` and a `<script type="application/json" id="ns-model">`. */
export const CLIENT_JS = String.raw`
(function () {
  'use strict'
  var model = JSON.parse(document.getElementById('ns-model').textContent)
  var charts = window.__nsCharts = []
  var COLORS = ['#2a6fdb', '#e07b00', '#1f8a4c', '#c0392b', '#8e44ad', '#16a0a0', '#7f8c8d', '#b8860b']

  function el (tag, attrs, text) {
    var e = document.createElement(tag)
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k])
    if (text !== undefined && text !== null) e.textContent = String(text)
    return e
  }
  function section (title) {
    var s = el('section')
    s.appendChild(el('h2', null, title))
    document.getElementById('ns-body').appendChild(s)
    return s
  }
  function fmt (v) {
    if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v)
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 3 })
  }
  function table (parent, head, rows) {
    var t = el('table')
    var tr = el('tr')
    head.forEach(function (h) { tr.appendChild(el('th', null, h)) })
    t.appendChild(tr)
    rows.forEach(function (r) {
      var row = el('tr')
      r.forEach(function (c) { row.appendChild(el('td', null, fmt(c))) })
      t.appendChild(row)
    })
    parent.appendChild(t)
    return t
  }

  // One uPlot chart; series: [{ label, values }]; x: seconds (time) or 1/(1-p) (log percentile axis).
  function chart (parent, id, title, x, series, opts) {
    opts = opts || {}
    var box = el('div', { class: 'chart', 'data-chart': id })
    parent.appendChild(box)
    var points = 0
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v !== undefined) points++ }) })
    charts.push({ id: id, title: title, points: points })
    var width = Math.max(320, Math.min(1050, (opts.half ? parent.clientWidth / 2 - 20 : parent.clientWidth)))
    var scales = { x: opts.percentile ? { time: false, distr: 3, log: 10 } : { time: true } }
    // Whole seconds on time axes (the timeline has one point per second).
    var axes = [{ incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] }, { label: opts.yLabel || '', size: 60 }]
    if (opts.percentile) {
      // One tick per decade of 1/(1-p): 0 %, 90 %, 99 %, 99.9 %, ...
      axes[0] = {
        label: 'percentile',
        splits: function (u) { var out = []; for (var v = 1; v <= u.scales.x.max * 1.0001; v *= 10) out.push(v); return out },
        values: function (u, splits) { return splits.map(function (v) { return percentLabel(v) }) }
      }
    }
    var uSeries = [{ label: opts.percentile ? 'percentile' : 'time', value: opts.percentile ? function (u, v) { return v === null ? '' : percentLabel(v) } : undefined }]
    series.forEach(function (s, i) {
      uSeries.push({ label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 1.5, points: { show: x.length < 60 }, spanGaps: true })
    })
    /* global uPlot */
    var u = new uPlot({ title: title, width: width, height: opts.height || 260, scales: scales, axes: axes, series: uSeries }, [x].concat(series.map(function (s) { return s.values })), box)
    return u
  }
  function percentLabel (v) {
    if (!(v >= 1)) return ''
    var p = 100 - 100 / v
    return (p >= 99.99 ? p.toFixed(3) : p >= 99 ? p.toFixed(2) : p >= 90 ? p.toFixed(1) : p.toFixed(0)) + '%'
  }

  // Header and verdict.
  var head = document.getElementById('ns-head')
  head.appendChild(el('h1', null, 'notify-sender ' + model.command + ' report'))
  var meta = el('div', { class: 'meta' })
  meta.appendChild(el('span', { class: 'verdict ' + (model.passed ? 'pass' : 'fail') }, model.passed ? 'PASSED' : 'FAILED'))
  meta.appendChild(document.createTextNode('  started ' + model.startedAt + ' · ' + fmt(model.durationMs / 1000) + ' s · exit code ' + model.exitCode +
    (model.interrupted ? ' · interrupted by ' + model.interrupted : '') + (model.merged ? ' · merged from ' + model.merged + ' reports' : '') + ' · notify-sender ' + model.version))
  head.appendChild(meta)

  var s = section('Summary')
  table(s, ['requests', 'started', 'completed', 'ok (2xx)', 'errors', 'timeouts', 'retries', 'late', 'dropped', 'req/s', 'error rate'], [model.requests])
  if (model.thresholds.length > 0) table(s, ['threshold', 'limit', 'actual', 'verdict'], model.thresholds.map(function (t) { return [t.name, t.limit, t.actual, t.passed ? 'passed' : 'FAILED'] }))
  if (model.problems.length > 0) {
    var ul = el('ul', { class: 'problems' })
    model.problems.forEach(function (p) { ul.appendChild(el('li', null, p)) })
    s.appendChild(ul)
  }
  table(s, ['latency (ms)', 'count', 'min', 'mean', 'stddev', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'], model.latency)

  var tl = model.timeline
  if (tl.t.length > 0) {
    s = section('Over time')
    var rate = [{ label: 'completed/s', values: tl.completed }, { label: 'started/s', values: tl.started }]
    if (tl.target !== null) rate.push({ label: 'target/s', values: tl.target, color: '#7f8c8d' })
    chart(s, 'rate', 'Rate achieved vs target (per second)', tl.t, rate, { yLabel: 'requests' })
    chart(s, 'latency', 'Latency percentiles per second (ms)', tl.t, [
      { label: 'corrected p50', values: tl.cp50 }, { label: 'corrected p90', values: tl.cp90 }, { label: 'corrected p99', values: tl.cp99 },
      { label: 'raw p50', values: tl.rp50 }, { label: 'raw p99', values: tl.rp99 }
    ], { yLabel: 'ms' })
    var status = Object.keys(tl.status).map(function (k) { return { label: k, values: tl.status[k] } })
    status.push({ label: 'transport errors', values: tl.errors, color: '#c0392b' })
    chart(s, 'status', 'Responses by status class and errors (per second)', tl.t, status, { yLabel: 'requests' })
    chart(s, 'inflight', 'In flight (end of each second)', tl.t, [{ label: 'in flight', values: tl.inFlight }], { yLabel: 'requests', height: 200 })
    if (tl.outcomes !== null) {
      chart(s, 'outcomes', 'Outcomes (lines settled per second)', tl.t, Object.keys(tl.outcomes).map(function (k) { return { label: k, values: tl.outcomes[k] } }), { yLabel: 'lines' })
    }
  }

  if (model.distribution.x.length > 0) {
    s = section('Latency distribution')
    chart(s, 'distribution', 'HDR percentile distribution (ms, log percentile axis)', model.distribution.x, [
      { label: 'corrected', values: model.distribution.corrected }, { label: 'raw', values: model.distribution.raw }
    ], { percentile: true, yLabel: 'ms', height: 320 })
    s.appendChild(el('p', { class: 'note' }, 'corrected: from the intended send time (coordinated omission corrected); raw: from the actual send.'))
  }

  s = section('Breakdowns')
  var grid = el('div', { class: 'grid' })
  s.appendChild(grid)
  var left = el('div')
  var right = el('div')
  grid.appendChild(left)
  grid.appendChild(right)
  table(left, ['status', 'count'], model.statusCodes)
  if (model.errors.length > 0) table(right, ['error kind', 'count', 'sample'], model.errors)
  if (model.outcomes !== null) table(right, ['outcome', 'lines'], model.outcomes)
  if (model.origins.length > 0) {
    s = section('Push services')
    table(s, ['origin', 'requests', 'sent', 'expired', 'failed', '429s', 'time throttled (s)'], model.origins)
  }
  s = section('Workers')
  table(s, model.workersHead, model.workers)
  if (model.addresses.length > 0) {
    s = section('Per address')
    table(s, ['address', 'requests'], model.addresses)
  }
})()
`
