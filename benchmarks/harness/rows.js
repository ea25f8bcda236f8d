// The rows of `npm run bench`. Every command runs with cwd benchmarks/work/, under
// `/usr/bin/time -f '%U %S %e %M' taskset -c <cpus>`; the server (h2o, 1 thread) is pinned to CPU1.
import fs from 'node:fs'
import path from 'node:path'
import { ORIGIN_H1, ORIGIN_TLS } from './fixtures.js'
import { RUNTIMES, runtimeNode, runtimeUndici } from './runtimes.js'

export const GROUPS = {
  h2: 'HTTP/2 over TLS (h2o :PORT, 1 connection x 100 streams, 100 requests in flight)',
  h1: 'HTTP/1.1 cleartext (h2o, 100 connections, no pipelining, 100 in flight)',
  push: 'Web Push send to h2o (201), 1 worker, 100 in flight',
  dry: '--dry-run (parse + encrypt + sign, nothing sent): scaling; client on CPU0+CPU1 for both rows',
  mem: 'Memory: peak RSS, 100k vs 10M generated subscriptions streamed from a file',
  rate: 'Rate accuracy (open model, 1 worker)',
  idle: 'Idle engine (--rate 1)',
  runtime: 'Runtimes: the same loops on the other Node lines (npm package `node`, installed into benchmarks/work/runtimes/ on first run)'
}

export function buildRows (env) {
  const { DUR, work, MEMDUR, RATE, RATEDUR, IDLEDUR } = env
  const headers = JSON.parse(fs.readFileSync(path.join(work, 'headers.json'), 'utf8'))
  const hH2load = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
  const hAc = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`])
  const hNs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
  const uris = fs.readFileSync(path.join(work, 'uris-tls.txt'), 'utf8').trim().split('\n')
  const urisH1 = fs.readFileSync(path.join(work, 'uris-h1.txt'), 'utf8').trim().split('\n')
  // notify-sender load takes one positional URL (then the worker count) plus --urls-file for the other 999.
  fs.writeFileSync(path.join(work, 'ns-urls-tls.txt'), uris.slice(1).join('\n') + '\n')
  fs.writeFileSync(path.join(work, 'ns-urls-h1.txt'), urisH1.slice(1).join('\n') + '\n')
  const NS = ['node', '../../bin/notify-sender.js']
  const nsLoad = (proto, extra) => [...NS, 'load', proto === 1 ? urisH1[0] : uris[0], '1',
    '--urls-file', proto === 1 ? 'ns-urls-h1.txt' : 'ns-urls-tls.txt', `--http=${proto}`, '--ca', 'certs/ca.crt',
    '-m', 'POST', '-b', '@body.txt', ...hNs, '--json', '-q', ...extra]
  const nsSend = (workers, subs, extra, node = 'node') => [node, NS[1], 'send', String(workers), '-s', subs, '-p', '@payload.txt',
    '--vapid-keys', 'vapid.json', '--allow-host', ORIGIN_TLS.replace('https://', ''), '--allow-private', '--ca', 'certs/ca.crt',
    '-c', '100', '--json', '-q', ...extra]
  const t = DUR + 40
  return [
    // 1-4: HTTP/2 over TLS
    {
      name: 'h2load-h2',
      group: 'h2',
      kind: 'h2load',
      cpus: '0',
      timeoutS: t,
      note: 'native ceiling (nghttp2, C)',
      cmd: ['h2load', '-t1', '-c1', '-m100', '-D', String(DUR), '-d', 'body.txt', ...hH2load, '-i', 'uris-tls.txt']
    },
    {
      name: 'undici-dispatch-h2',
      group: 'h2',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'bare undici 8 Client.dispatch() loop, same knobs (h2Options.maxConcurrentStreams 100)',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`]
    },
    {
      name: 'node-http2',
      group: 'h2',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'raw node:http2 session.request() loop',
      cmd: ['node', '../harness/node-h2-loop.js', `--url=${ORIGIN_TLS}`, '--inflight=100', `--duration=${DUR}`]
    },
    {
      name: 'ns-load-h2',
      group: 'h2',
      kind: 'nsload',
      cpus: '0',
      timeoutS: t,
      note: 'notify-sender load --http=2, 1 worker',
      cmd: nsLoad(2, ['-c', '100', '--streams', '100', '--ramp-up', '0', '--duration', `${DUR}s`])
    },
    {
      name: 'undici-dispatch-h2-worker',
      group: 'h2',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'the same bare loop inside one worker_thread (prices the thread notify-sender runs in)',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, '--in-worker']
    },
    // Fixed costs (process start-up, worker thread, connection, report) to separate them from per-request costs.
    {
      name: 'ns-startup',
      group: 'h2',
      kind: 'nsload',
      cpus: '0',
      timeoutS: t,
      note: 'fixed cost: notify-sender load -n 100 (same flags)',
      cmd: nsLoad(2, ['-c', '100', '--streams', '100', '--ramp-up', '0', '-n', '100'])
    },
    {
      name: 'undici-startup',
      group: 'h2',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'fixed cost: the bare undici loop, ~100 requests',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', '--duration=0.02', '--warmup=0']
    },
    // 5: HTTP/1.1 cleartext
    {
      name: 'autocannon-h1',
      group: 'h1',
      kind: 'autocannon',
      cpus: '0',
      timeoutS: t,
      note: 'autocannon -c100 -p1 (one fixed path: its CLI takes one URL)',
      cmd: ['node', '../node_modules/autocannon/autocannon.js', '-j', '-c', '100', '-p', '1', '-d', String(DUR), '-m', 'POST', '-i', 'body.txt', ...hAc, urisH1[0]]
    },
    {
      name: 'undici-dispatch-h1',
      group: 'h1',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'bare undici Pool(100).dispatch() loop',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_H1}`, '--conns=100', '--pipelining=1', '--inflight=100', `--duration=${DUR}`]
    },
    {
      name: 'ns-load-h1',
      group: 'h1',
      kind: 'nsload',
      cpus: '0',
      timeoutS: t,
      note: 'notify-sender load --http=1, 1 worker (--connect-rate 1000: the 100 connections open at once, as in the other two)',
      cmd: nsLoad(1, ['-c', '100', '--pipelining', '1', '--connect-rate', '1000', '--ramp-up', '0', '--duration', `${DUR}s`])
    },
    // 6: Web Push
    {
      name: 'crypto-only',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'encryptPayload + cached VAPID header, no I/O',
      cmd: ['node', '../harness/crypto-only.js', `--duration=${DUR}`]
    },
    {
      name: 'undici-encrypt-h2',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: "send's floor: the bare undici h2 loop, each body encrypted with notify-sender's encryptPayload + VAPID header first",
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, '--encrypt']
    },
    {
      name: 'undici-encrypt-h2-worker',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'diagnostic: `undici-encrypt-h2` inside one worker_thread (where send encrypts and dispatches)',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, '--encrypt', '--in-worker']
    },
    // Diagnostics of that floor: undici under a per-request CPU cost that is not crypto, and crypto done in batches.
    {
      name: 'undici-spin-h2',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'diagnostic: the bare undici h2 loop burning 200 µs of CPU before each request instead of encrypting (undici at the request rate crypto allows)',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, '--spin=200']
    },
    {
      name: 'undici-encrypt-h2-batch',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'diagnostic: `undici-encrypt-h2` with messages encrypted 50 at a time, back to back, then dispatched',
      cmd: ['node', '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, '--encrypt', '--batch=50']
    },
    {
      name: 'ns-send',
      group: 'push',
      kind: 'nssend',
      cpus: '0',
      timeoutS: t,
      note: 'notify-sender send, 1 worker, HTTP/2 (ALPN)',
      cmd: nsSend(1, 'subs-100000.ndjson', ['--duration', `${DUR}s`])
    },
    {
      name: 'web-push',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'web-push 3.6.7 sendNotification, keep-alive agent, 100 concurrent (VAPID JWT signed per call)',
      cmd: ['node', '../harness/web-push-loop.js', '--inflight=100', '--vapid=per-call', `--duration=${DUR}`]
    },
    {
      name: 'web-push-cached-jwt',
      group: 'push',
      kind: 'node',
      cpus: '0',
      timeoutS: t,
      note: 'the same with one pre-signed Authorization header (its best case)',
      cmd: ['node', '../harness/web-push-loop.js', '--inflight=100', '--vapid=cached', `--duration=${DUR}`]
    },
    // Runtimes: crypto, the bare HTTP/2 loop and send on Node 22 and 24 (their Node 26 rows are above), and
    // the Node 20 + undici 7 reference the project moved from.
    ...[22, 24].flatMap((line) => {
      const node = runtimeNode(line)
      return [
        {
          name: `crypto-only-node${line}`,
          group: 'runtime',
          kind: 'node',
          runtime: line,
          cpus: '0',
          timeoutS: t,
          note: `\`crypto-only\` on Node ${RUNTIMES[line].node}`,
          cmd: [node, '../harness/crypto-only.js', `--duration=${DUR}`]
        },
        {
          name: `undici-dispatch-h2-node${line}`,
          group: 'runtime',
          kind: 'node',
          runtime: line,
          cpus: '0',
          timeoutS: t,
          note: `\`undici-dispatch-h2\` (undici 8) on Node ${RUNTIMES[line].node}`,
          cmd: [node, '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`]
        },
        {
          name: `ns-send-node${line}`,
          group: 'runtime',
          kind: 'nssend',
          runtime: line,
          cpus: '0',
          timeoutS: t,
          note: `\`ns-send\` on Node ${RUNTIMES[line].node}`,
          cmd: nsSend(1, 'subs-100000.ndjson', ['--duration', `${DUR}s`], node)
        }
      ]
    }),
    {
      name: 'undici7-dispatch-h2-node20',
      group: 'runtime',
      kind: 'node',
      runtime: 20,
      cpus: '0',
      timeoutS: t,
      note: `reference: the bare loop with undici ${RUNTIMES[20].extra[0].split('@')[1]} (legacy handler, pipelining = streams) on Node ${RUNTIMES[20].node}`,
      cmd: [runtimeNode(20), '../harness/undici-loop.js', `--url=${ORIGIN_TLS}`, '--h2', '--streams=100', '--inflight=100', `--duration=${DUR}`, `--undici=${runtimeUndici(20)}`]
    },
    {
      name: 'node-http2-node20',
      group: 'runtime',
      kind: 'node',
      runtime: 20,
      cpus: '0',
      timeoutS: t,
      note: `reference: \`node-http2\` on Node ${RUNTIMES[20].node}`,
      cmd: [runtimeNode(20), '../harness/node-h2-loop.js', `--url=${ORIGIN_TLS}`, '--inflight=100', `--duration=${DUR}`]
    },
    // 7: dry-run scaling
    {
      name: 'ns-dry-1w',
      group: 'dry',
      kind: 'nssend',
      cpus: '0,1',
      timeoutS: t,
      note: 'send --dry-run, 1 worker',
      cmd: nsSend(1, 'subs-1000000.ndjson', ['--dry-run', '--duration', `${DUR}s`])
    },
    {
      name: 'ns-dry-2w',
      group: 'dry',
      kind: 'nssend',
      cpus: '0,1',
      timeoutS: t,
      note: 'send --dry-run, 2 workers',
      cmd: nsSend(2, 'subs-1000000.ndjson', ['--dry-run', '--duration', `${DUR}s`])
    },
    // 8: memory
    {
      name: 'mem-dry-100k',
      group: 'mem',
      kind: 'nssend',
      cpus: '0,1',
      timeoutS: MEMDUR + 120,
      note: 'dry-run, 2 workers, the whole 100k file',
      cmd: nsSend(2, 'subs-100000.ndjson', ['--dry-run'])
    },
    {
      name: 'mem-dry-10M',
      group: 'mem',
      kind: 'nssend',
      cpus: '0,1',
      timeoutS: MEMDUR + 40,
      note: `dry-run, 2 workers, 10M file, stopped after ${MEMDUR} s`,
      cmd: nsSend(2, 'subs-10000000.ndjson', ['--dry-run', '--duration', `${MEMDUR}s`])
    },
    {
      name: 'mem-send-100k',
      group: 'mem',
      kind: 'nssend',
      cpus: '0',
      timeoutS: MEMDUR + 40,
      note: `send, 1 worker, 100k file, stopped after ${MEMDUR} s`,
      cmd: nsSend(1, 'subs-100000.ndjson', ['--duration', `${MEMDUR}s`])
    },
    {
      name: 'mem-send-10M',
      group: 'mem',
      kind: 'nssend',
      cpus: '0',
      timeoutS: MEMDUR + 40,
      note: `send, 1 worker, 10M file, stopped after ${MEMDUR} s`,
      cmd: nsSend(1, 'subs-10000000.ndjson', ['--duration', `${MEMDUR}s`])
    },
    // 9: rate accuracy
    {
      name: 'ns-rate',
      group: 'rate',
      kind: 'nsrate',
      cpus: '0',
      timeoutS: RATEDUR + 40,
      note: `load --rate ${RATE} for ${RATEDUR} s, h2, -c 500`,
      rate: RATE,
      cmd: nsLoad(2, ['-c', '500', '--streams', '100', '--rate', String(RATE), '--duration', `${RATEDUR}s`])
    },
    // idle
    {
      name: 'ns-idle',
      group: 'idle',
      kind: 'nsidle',
      cpus: '0',
      timeoutS: IDLEDUR + 40,
      note: `load --rate 1 for ${IDLEDUR} s; CPU sampled from 2 s to ${IDLEDUR - 1} s`,
      idle: { from: 2, to: IDLEDUR - 1 },
      cmd: nsLoad(2, ['-c', '100', '--rate', '1', '--duration', `${IDLEDUR}s`])
    }
  ]
}
