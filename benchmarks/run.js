#!/usr/bin/env node
// `npm run bench`: the loopback benchmark suite. Not part of `npm test`.
//
//   npm run bench                       all rows, REPEAT=3 interleaved repeats of DUR=10 s, then profiles
//   npm run bench -- '^ns-load|undici'  only rows whose name matches (writes work/RESULTS.partial.md)
//   npm run bench -- --dry              print the commands only
//   npm run bench -- --no-profile       skip the --cpu-prof pass
//   npm run bench -- --memory-whole     also run benchmarks/memory-whole.js (complete 100k and 10M-line dry
//                                       runs: ~3 min on 2 cores, plus ~2 min to write the 3.2 GB input once)
//                                       for the "complete input" memory target; `--rerun '^$' --memory-whole`
//                                       adds it to the last complete run
//   npm run bench -- --rerun '^ns-dry'  re-run the matching rows of the last complete run (REPEAT times) and
//                                       render RESULTS.md again with their new records (for a group that
//                                       other jobs on the machine disturbed; the report names the re-runs)
//   node benchmarks/run.js --report     re-render RESULTS.md from the last complete run in work/results.jsonl
//                                       (work/run-meta.json; a filtered run writes work/run-meta.partial.json)
//
// Environment: REPEAT (3), DUR (10 s per load row), MEMDUR (20 s for the bounded memory rows), RATE (2000
// req/s) and RATEDUR (20 s) for the rate-accuracy row, IDLEDUR (10 s), BENCH_TLS_PORT (18444),
// BENCH_H1_PORT (18081).
//
// Method: every row runs as `/usr/bin/time -f '%U %S %e %M' taskset -c <cpus> <cmd>` with cwd
// benchmarks/work; h2o (1 thread) serves 201 "ok\n" pinned to CPU1. Rows are interleaved: repeat 1 of every
// row, then repeat 2, ... so that host drift hits every row alike, and targets are ratios taken within one
// run. Everything is on 127.0.0.1, bounded in time (and the servers are stopped by PID).
//
// Runtime: the rows run on the project's pinned Node (the devDependency `node`; `npm run bench` puts
// node_modules/.bin first on PATH), except the runtime rows, whose Node lines (and the Node 20 row's undici 7)
// are installed from the npm registry into benchmarks/work/runtimes/<line>/ on first run (harness/runtimes.js).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { h2oConf, makeCerts, makeLoadFixtures, makeSubs, makeVapid, PORT_H1, PORT_TLS } from './harness/fixtures.js'
import { buildRows } from './harness/rows.js'
import { parseOutput } from './harness/parse.js'
import { profileTop } from './harness/prof-top.js'
import { renderReport } from './harness/report.js'
import { ensureRuntimes } from './harness/runtimes.js'

const bench = path.dirname(new URL(import.meta.url).pathname)
const repo = path.dirname(bench)
const work = path.join(bench, 'work')
const argv = process.argv.slice(2)
const flags = new Set(argv.filter((a) => a.startsWith('--')))
const filterArg = argv.find((a) => !a.startsWith('--'))
const filter = new RegExp(filterArg ?? '.')
const DRY = flags.has('--dry')
const RERUN = flags.has('--rerun')
const env = {
  REPEAT: Number(process.env.REPEAT ?? 3),
  DUR: Number(process.env.DUR ?? 10),
  MEMDUR: Number(process.env.MEMDUR ?? 20),
  RATE: Number(process.env.RATE ?? 2000),
  RATEDUR: Number(process.env.RATEDUR ?? 20),
  IDLEDUR: Number(process.env.IDLEDUR ?? 10),
  work
}
const TCK = 100 // sysconf(_SC_CLK_TCK) on Linux
const log = (...a) => console.error(...a)
const quote = (a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`

function have (cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

// ---- prerequisites
function prerequisites () {
  const missing = []
  if (!have('h2o')) missing.push('h2o')
  if (!have('h2load')) missing.push('nghttp2-client')
  if (!fs.existsSync('/usr/bin/time')) missing.push('time')
  if (!have('taskset')) missing.push('util-linux')
  if (!have('openssl')) missing.push('openssl')
  if (missing.length > 0) {
    const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`
    if (process.getuid?.() === 0 && !DRY) {
      log(`# installing ${missing.join(' ')}: ${cmd}`)
      execFileSync('sh', ['-c', cmd], { stdio: 'inherit' })
    } else {
      log(`missing: ${missing.join(', ')}. Install them with:\n  sudo sh -c '${cmd}'`)
      process.exit(1) // eslint-disable-line n/no-process-exit
    }
  }
  if (os.cpus().length < 2) {
    log('the suite pins the client to CPU0 and the server to CPU1: it needs at least 2 CPUs')
    process.exit(1) // eslint-disable-line n/no-process-exit
  }
  // Rows start `node` from PATH: it must be the project's pinned runtime (node_modules/.bin/node after npm ci).
  const pinned = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).devDependencies.node
  let onPath = 'none'
  try { onPath = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim() } catch {}
  if (process.version !== `v${pinned}` || onPath !== `v${pinned}`) {
    log(`the suite runs on the pinned Node ${pinned} (this is ${process.version}, \`node\` on PATH is ${onPath}): ` +
      'run `npm ci` and then `npm run bench`, or put node_modules/.bin first on PATH')
    process.exit(1) // eslint-disable-line n/no-process-exit
  }
  const lock = path.join(bench, 'package-lock.json')
  const stamp = path.join(bench, 'node_modules', '.package-lock.json')
  if (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < fs.statSync(lock).mtimeMs) {
    log('# npm ci --prefix benchmarks')
    if (!DRY) execFileSync('npm', ['ci', '--prefix', bench, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  }
  if (!fs.existsSync(path.join(repo, 'dist/src/cli/main.js'))) {
    log('dist/ is missing: run `npm run build` (npm run bench does it first)')
    process.exit(1) // eslint-disable-line n/no-process-exit
  }
}

// ---- h2o on CPU1, stopped by PID
let h2o = null
async function portFree (port) {
  return await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(false) })
    s.once('error', () => resolve(true))
  })
}
async function startServer () {
  for (const p of [PORT_TLS, PORT_H1]) {
    if (!await portFree(p)) throw new Error(`port ${p} is in use: set BENCH_TLS_PORT / BENCH_H1_PORT`)
  }
  const conf = h2oConf(work)
  const out = fs.openSync(path.join(work, 'h2o-stdout.log'), 'a')
  // Foreground ("worker" mode): the PID we hold is h2o's own, and killing it stops its helper processes.
  h2o = spawn('taskset', ['-c', '1', 'h2o', '-c', conf], { cwd: work, stdio: ['ignore', out, out] })
  fs.writeFileSync(path.join(work, 'h2o.pid'), String(h2o.pid))
  for (let i = 0; i < 100; i++) {
    if (!await portFree(PORT_TLS) && !await portFree(PORT_H1)) { log(`# h2o pid ${h2o.pid} on CPU1, :${PORT_TLS} (TLS) :${PORT_H1}`); return }
    if (h2o.exitCode !== null) break
    await sleep(100)
  }
  throw new Error('h2o did not start; see benchmarks/work/h2o-error.log')
}
function stopServer () {
  if (h2o === null || h2o.exitCode !== null) return
  try { process.kill(h2o.pid, 'SIGTERM') } catch {}
  log(`# stopped h2o pid ${h2o.pid}`)
  h2o = null
}
let current = null // the row being measured
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current !== null) { try { process.kill(-current.pid, 'SIGKILL') } catch {} }
    stopServer()
    process.exit(130) // eslint-disable-line n/no-process-exit
  })
}
process.on('exit', stopServer)

// ---- /proc sampling: server CPU (h2o and its descendants), per-CPU steal, busy ticks of the whole machine
function procStat (pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ') // f[1]=ppid, f[11]=utime, f[12]=stime
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) }
}
function serverTicks () {
  if (h2o === null) return 0
  const all = new Map()
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try { all.set(Number(p), procStat(p)) } catch {}
  }
  const tree = new Set([h2o.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, s] of all) if (!tree.has(pid) && tree.has(s.ppid)) { tree.add(pid); grew = true }
  }
  let t = 0
  for (const pid of tree) t += all.get(pid)?.ticks ?? 0
  return t
}
function cpuStat () {
  const lines = fs.readFileSync('/proc/stat', 'utf8').split('\n')
  const row = (name) => lines.find((l) => l.startsWith(name + ' ')).split(/\s+/).slice(1).map(Number)
  const all = row('cpu') // user nice system idle iowait irq softirq steal
  return { busy: all[0] + all[1] + all[2] + all[5] + all[6], steal: [row('cpu0')[7], row('cpu1')[7]] }
}

// ---- one measured run
async function runOnce (row, rep, runId, rerun) {
  const timeFile = path.join(work, '.time')
  const full = ['/usr/bin/time', '-f', '%U %S %e %M', '-o', timeFile, 'taskset', '-c', row.cpus, ...row.cmd]
  const s0 = serverTicks(); const c0 = cpuStat()
  // Own process group: a hung row is killed whole (time, taskset, node) by its group id, and so is the
  // running row when the runner is interrupted.
  const child = spawn(full[0], full.slice(1), { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  current = child
  let out = ''; let err = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { err += d })
  const killer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, row.timeoutS * 1000)
  // Per-thread CPU of the client (Node rows): the last /proc/<pid>/task/<tid>/stat value seen for each thread.
  const threads = new Map()
  let clientPid = 0
  const sampler = /(^|\/)node$/.test(row.cmd[0])
    ? setInterval(() => {
      try {
        if (clientPid === 0) clientPid = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || 0
        if (clientPid === 0) return
        for (const tid of fs.readdirSync(`/proc/${clientPid}/task`)) {
          try { threads.set(Number(tid), procStat(`${clientPid}/task/${tid}`).ticks) } catch {}
        }
      } catch {}
    }, 100)
    : null
  let idle = null
  if (row.idle) {
    // Steady-state CPU of the client process (all threads): /proc/<pid>/stat between two instants.
    await sleep(500)
    const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)
    const pid = Number(kids[0])
    await sleep(row.idle.from * 1000 - 500)
    const a = procStat(pid).ticks; const ta = performance.now()
    await sleep((row.idle.to - row.idle.from) * 1000)
    const b = procStat(pid).ticks; const tb = performance.now()
    idle = { window_s: +((tb - ta) / 1000).toFixed(2), cpu_s: (b - a) / TCK, util: +((b - a) / TCK / ((tb - ta) / 1000)).toFixed(4) }
  }
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(killer)
  current = null
  if (sampler !== null) clearInterval(sampler)
  const s1 = serverTicks(); const c1 = cpuStat()
  const cmdline = ['taskset', '-c', row.cpus, ...row.cmd].map(quote).join(' ')
  fs.mkdirSync(path.join(work, 'raw'), { recursive: true })
  fs.writeFileSync(path.join(work, 'raw', `${row.name}.${rep}.txt`), `$ ${cmdline}\n${out}\n--- stderr\n${err}`)
  let u = NaN; let sy = NaN; let wall = NaN; let maxrssKb = NaN
  try { [u, sy, wall, maxrssKb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) } catch {}
  let parsed = {}
  try { parsed = parseOutput(row, out, err) } catch (e) { parsed = { parseError: String(e) } }
  const cpu = u + sy
  const serverCpu = (s1 - s0) / TCK
  // main = the process's first thread; worker(s) = the busiest other threads (one per worker for notify-sender,
  // none for the plain loops); rest = V8 platform (concurrent GC, compiler) + libuv threads. Sampled every 100 ms.
  let split
  if (threads.size > 0 && parsed.count > 0) {
    const nWorkers = row.kind.startsWith('ns') ? Number(row.cmd[2] === 'load' ? row.cmd[4] : row.cmd[3]) || 1 : row.cmd.includes('--in-worker') ? 1 : 0
    const main = threads.get(clientPid) ?? 0
    const others = [...threads].filter(([t]) => t !== clientPid).map(([, v]) => v).sort((a, b) => b - a)
    const workers = others.slice(0, nWorkers).reduce((a, b) => a + b, 0)
    const rest = others.slice(nWorkers).reduce((a, b) => a + b, 0)
    const us = (ticks) => +(ticks / TCK / parsed.count * 1e6).toFixed(1)
    split = { main: us(main), workers: us(workers), rest: us(rest) }
  }
  const rec = {
    runId,
    ...(rerun ? { rerun } : {}),
    name: row.name,
    group: row.group,
    rep,
    exit: code,
    ...parsed,
    client_user_s: u,
    client_sys_s: sy,
    wall_s: wall,
    maxrss_mb: +(maxrssKb / 1024).toFixed(1),
    cpu_us_per_req: parsed.count > 0 ? +(cpu / parsed.count * 1e6).toFixed(2) : null,
    per_cpu_s: parsed.count > 0 ? +(parsed.count / cpu).toFixed(1) : null,
    client_util: +(cpu / wall).toFixed(3),
    server_util: +(serverCpu / wall).toFixed(3),
    // CPU used by everything else on the machine during the row, in cores (other users' jobs: noise).
    foreign_cores: +Math.max(0, ((c1.busy - c0.busy) / TCK - cpu - serverCpu) / wall).toFixed(2),
    steal_pct: [0, 1].map((c) => +((c1.steal[c] - c0.steal[c]) / TCK / wall * 100).toFixed(1)),
    ...(idle ? { idle } : {}),
    ...(split ? { thread_us_per_req: split } : {}),
    cmd: cmdline,
    at: new Date().toISOString()
  }
  fs.appendFileSync(path.join(work, 'results.jsonl'), JSON.stringify(rec) + '\n')
  log(`=> ${row.name} #${rep}: ${rec.rps ?? '-'} /s, count ${rec.count ?? '-'}, err ${rec.errors ?? 0}, ${rec.cpu_us_per_req ?? '-'} us CPU/req, ` +
    `client ${rec.client_util} server ${rec.server_util} foreign ${rec.foreign_cores} cores, rss ${rec.maxrss_mb} MB` +
    (idle ? `, idle util ${idle.util}` : '') + (split ? `, threads us/req ${JSON.stringify(split)}` : '') + (rec.parseError ? ` PARSE ERROR ${rec.parseError}` : '') + `, exit ${code}`)
  return rec
}

// ---- --cpu-prof pass (not measured): notify-sender vs the bare loops
async function profiles (rows, runId) {
  const dir = path.join(work, 'prof')
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const pick = ['undici-dispatch-h2', 'node-http2', 'undici-dispatch-h2-worker', 'ns-load-h2', 'undici-dispatch-h1', 'ns-load-h1', 'autocannon-h1', 'crypto-only', 'undici-encrypt-h2', 'ns-send']
  const out = {}
  for (const name of pick) {
    const row = rows.find((r) => r.name === name)
    if (!row || !filter.test(name)) continue
    const pdir = path.join(dir, name)
    const cmd = [row.cmd[0], '--cpu-prof', `--cpu-prof-dir=${pdir}`, ...row.cmd.slice(1)]
    log(`\n## profile ${name}\n$ taskset -c ${row.cpus} ${cmd.map(quote).join(' ')}`)
    if (DRY) continue
    spawnSync('taskset', ['-c', row.cpus, ...cmd], { cwd: work, stdio: 'ignore', timeout: row.timeoutS * 1000 })
    const files = fs.existsSync(pdir) ? fs.readdirSync(pdir).filter((f) => f.endsWith('.cpuprofile')).sort() : []
    // notify-sender: the request loop runs in the worker thread (the second profile); the main thread only supervises.
    out[name] = files.map((f, i) => ({ thread: files.length > 1 ? (i === 0 ? 'main' : `worker ${i}`) : 'main', ...profileTop(path.join(pdir, f), 20) }))
  }
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ runId, profiles: out }, null, 1))
  return out
}

function versions () {
  const v = (cmd) => { try { return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim() } catch { return 'n/a' } }
  const pkg = (p) => { try { return JSON.parse(fs.readFileSync(p, 'utf8')).version } catch { return 'n/a' } }
  return {
    node: process.version,
    openssl: process.versions.openssl,
    undici: pkg(path.join(repo, 'node_modules/undici/package.json')),
    undiciBench: pkg(path.join(bench, 'node_modules/undici/package.json')),
    h2o: v('h2o --version | head -1'),
    h2load: v('h2load --version | head -1'),
    autocannon: pkg(path.join(bench, 'node_modules/autocannon/package.json')),
    webPush: pkg(path.join(bench, 'node_modules/web-push/package.json')),
    notifySender: `${pkg(path.join(repo, 'package.json'))} (${v(`git -C ${quote(repo)} rev-parse --short HEAD`)}${v(`git -C ${quote(repo)} status --porcelain -- src | head -1`) ? ', src modified' : ''})`
  }
}
function machine () {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    kernel: `${os.type()} ${os.release()}`,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    virt: (() => { try { return execFileSync('sh', ['-c', 'systemd-detect-virt 2>/dev/null || true'], { encoding: 'utf8' }).trim() || 'n/a' } catch { return 'n/a' } })()
  }
}

async function main () {
  fs.mkdirSync(work, { recursive: true })
  // Keep the runner (and its /proc sampling) off the client's core.
  spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })
  if (flags.has('--report')) {
    const meta = JSON.parse(fs.readFileSync(path.join(work, 'run-meta.json'), 'utf8'))
    writeReport(meta)
    return
  }
  if (RERUN && filterArg === undefined) {
    log('--rerun needs a row-name regex: the rows to measure again')
    process.exit(1) // eslint-disable-line n/no-process-exit
  }
  // A re-run adds records to the last complete run (same runId); the report keeps each row's newest ones.
  const base = RERUN ? JSON.parse(fs.readFileSync(path.join(work, 'run-meta.json'), 'utf8')) : null
  prerequisites()
  makeCerts(work)
  makeLoadFixtures(work)
  makeVapid(work, repo)
  fs.chmodSync(path.join(work, 'vapid.json'), 0o600)
  const rows = buildRows(env).filter((r) => filter.test(r.name))
  const lines = [...new Set(rows.filter((r) => r.runtime !== undefined).map((r) => r.runtime))]
  const runtimes = ensureRuntimes(work, lines, { dry: DRY, log })
  const needs = new Set(rows.flatMap((r) => r.cmd.filter((a) => /^subs-\d+\.ndjson$/.test(a))))
  needs.add('subs-100000.ndjson') // crypto-only and web-push read keys from it
  for (const f of needs) {
    const n = Number(/\d+/.exec(f)[0])
    if (!fs.existsSync(path.join(work, f))) log(`# generating ${f} (${n} subscriptions)`)
    if (!DRY) await makeSubs(work, n)
  }
  const runId = base?.runId ?? new Date().toISOString()
  const rerunAt = RERUN ? new Date().toISOString() : undefined
  const metaRow = (r) => ({ name: r.name, group: r.group, note: r.note, cpus: r.cpus, runtime: r.runtime, cmd: ['/usr/bin/time', '-f', "'%U %S %e %M'", 'taskset', '-c', r.cpus, ...r.cmd.map(quote)].join(' ') })
  if (base !== null) {
    // A row added to the suite after the complete run joins it through its first re-run, in suite order.
    const order = buildRows(env).map((r) => r.name)
    for (const r of rows) if (!base.rows.some((x) => x.name === r.name)) base.rows.push(metaRow(r))
    base.rows.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
  }
  const meta = base ?? { runId, env: { ...env, work: undefined }, filter: filterArg ?? null, machine: machine(), versions: { ...versions(), runtimes }, rows: rows.map(metaRow) }
  const started = Date.now()
  if (!DRY) await startServer()
  for (let rep = 1; rep <= env.REPEAT; rep++) {
    for (const row of rows) {
      log(`\n## ${row.name} (rep ${rep}/${env.REPEAT})\n$ taskset -c ${row.cpus} ${row.cmd.map(quote).join(' ')}`)
      if (DRY) continue
      await runOnce(row, rep, runId, rerunAt)
      await sleep(1000)
    }
  }
  if (!RERUN && !flags.has('--no-profile')) meta.profiles = await profiles(buildRows(env), runId)
  stopServer()
  if (flags.has('--memory-whole')) {
    const m = memoryWhole()
    if (m !== undefined) meta.memoryWhole = m
  }
  if (DRY) return
  if (RERUN) {
    meta.reruns = [...(meta.reruns ?? []), { at: rerunAt, filter: filterArg, rows: rows.map((r) => r.name), elapsedS: Math.round((Date.now() - started) / 1000) }]
  } else {
    meta.elapsedS = Math.round((Date.now() - started) / 1000)
  }
  // A filtered run keeps its own meta: --report and --rerun work on the last complete run.
  fs.writeFileSync(path.join(work, meta.filter === null ? 'run-meta.json' : 'run-meta.partial.json'), JSON.stringify(meta, null, 1))
  writeReport(meta)
  log(`\n# done in ${Math.round((Date.now() - started) / 1000)} s`)
}

// Opt-in: the mem-* rows stop after MEMDUR seconds and never see the end of a large input (#12 item 8).
function memoryWhole () {
  const script = path.join(bench, 'memory-whole.js')
  log(`\n## memory-whole (complete inputs)\n$ taskset -c 0,1 node ${path.relative(repo, script)}`)
  if (DRY) return undefined
  // Both CPUs, as the dry-run memory rows (the runner itself is pinned to CPU1, and children inherit that).
  const r = spawnSync('taskset', ['-c', '0,1', process.execPath, script], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) {
    log('# memory-whole.js failed: the report has no complete-input memory figures')
    return undefined
  }
  return JSON.parse(fs.readFileSync(path.join(work, 'memory-whole.json'), 'utf8'))
}

function writeReport (meta) {
  const all = fs.readFileSync(path.join(work, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.runId === meta.runId)
  // A row measured again by --rerun is reported from its newest re-run only.
  const newest = new Map()
  for (const r of all) if ((r.rerun ?? '') > (newest.get(r.name) ?? '')) newest.set(r.name, r.rerun)
  const recs = all.filter((r) => (r.rerun ?? '') === (newest.get(r.name) ?? ''))
  let analysis = ''
  try { analysis = fs.readFileSync(path.join(bench, 'ANALYSIS.md'), 'utf8') } catch {}
  const md = renderReport(meta, recs, analysis)
  const target = meta.filter === null ? path.join(bench, 'RESULTS.md') : path.join(work, 'RESULTS.partial.md')
  fs.writeFileSync(target, md)
  log(`# wrote ${path.relative(repo, target)}`)
}

await main()
