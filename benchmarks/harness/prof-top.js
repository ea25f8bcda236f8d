// Summarises a .cpuprofile: the top self-time functions (share of all samples), plus a few buckets.
// CLI: node prof-top.js <file.cpuprofile> [n]
import fs from 'node:fs'

export function profileTop (file, n = 20) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'))
  const dt = new Map()
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
  const self = new Map()
  const buckets = { idle: 0, gc: 0, program: 0, undici: 0, 'node:http2/net/tls (JS)': 0, 'notify-sender': 0, 'hdr-histogram': 0, crypto: 0, other: 0 }
  let total = 0
  for (const node of p.nodes) {
    const t = dt.get(node.id) ?? 0
    if (t === 0) continue
    total += t
    const cf = node.callFrame
    const url = cf.url
    const key = `${cf.functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + t)
    const name = cf.functionName
    const b = name === '(idle)'
      ? 'idle'
      : name === '(garbage collector)'
        ? 'gc'
        : name === '(program)'
          ? 'program'
          : url.includes('/undici/')
            ? 'undici'
            : url.includes('hdr-histogram')
              ? 'hdr-histogram'
              : url.includes('/dist/src/')
                ? 'notify-sender'
                : /^node:(internal\/)?(http2|net|tls|_tls|stream|streams|timers|events|buffer)/.test(url) || url.startsWith('node:internal/http2') || url.startsWith('node:internal/stream')
                  ? 'node:http2/net/tls (JS)'
                  : /^node:(internal\/)?crypto/.test(url)
                    ? 'crypto'
                    : 'other'
    buckets[b] += t
  }
  const pct = (t) => +(t / total * 100).toFixed(1)
  return {
    file: file.split('/').slice(-2).join('/'),
    totalMs: Math.round(total / 1000),
    buckets: Object.fromEntries(Object.entries(buckets).map(([k, v]) => [k, pct(v)])),
    top: [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => [pct(t), k])
  }
}

if (process.argv[1] && import.meta.url === new URL(process.argv[1], 'file://').href) {
  const r = profileTop(process.argv[2], Number(process.argv[3] ?? 25))
  console.log(JSON.stringify(r.buckets))
  for (const [p, k] of r.top) console.log(String(p).padStart(5) + '%  ' + k)
}
