// Worker thread entry. Owns its undici clients (created here, never shared across threads), its request
// loop and its statistics; what to request comes from the workload module its WorkerInit names
// (engine/workload.ts). It never blocks its event loop: no Atomics.wait, no busy loops.
import { parentPort, workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { NotifySenderError, serializeError } from '../errors.js'
import { createLogger } from '../log.js'
import { AddressResolver } from './resolver.js'
import { OriginPool } from './pool.js'
import { Loop } from './loop.js'
import { runSchedule } from './schedule.js'
import { FLUSH_INTERVAL_MS, SNAPSHOT_INTERVAL_MS, Slot, stripe } from './protocol.js'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js'
import { WorkerStats } from './worker-stats.js'
import type { WorkerContext, WorkerSource, WorkloadModule } from './workload.js'
import { isPrivateAddress } from '../net/private-address.js'

if (parentPort === null) throw new Error('worker.ts must run inside a worker thread')
const port: MessagePort = parentPort
const init = workerData as WorkerInit
const log = createLogger({ level: init.logLevel, pretty: init.prettyLogs, bindings: { worker: init.workerIndex } })
const stats = new WorkerStats(stripe(init.sab, init.workerIndex))
const { engine } = init
// `-c` is the total in flight across the workers (#11): this worker's share, the remainder going to the
// first ones so the shares add up to the total exactly.
const concurrency = Math.floor(engine.concurrency / init.workers) + (init.workerIndex < engine.concurrency % init.workers ? 1 : 0)
const pools = new Map<string, OriginPool>()
let postedDone = false
// Set by 'stop'. A stop can arrive while the supervisor is still starting the workers, with 'start' right
// behind it: starting the loop then would send requests after the interrupt that no report ever counts.
let stopped = false

const post = (msg: FromWorker): void => { port.postMessage(msg) }

const resolver = new AddressResolver({
  forceDns: engine.forceDns,
  resolve: engine.resolve,
  dnsServers: engine.dnsServers,
  // Checked on the resolved addresses at connect time, so DNS rebinding cannot get around it.
  addressPolicy: engine.refusePrivateAddresses
    ? (address) => isPrivateAddress(address) ? `${address} is a loopback, private or link-local address` : null
    : undefined
})

function poolFor (origin: string): OriginPool {
  let p = pools.get(origin)
  if (p === undefined) {
    p = new OriginPool({
      origin,
      http: engine.http,
      concurrency,
      connections: engine.connections,
      streams: engine.streams,
      pipelining: engine.pipelining,
      connectTimeoutMs: engine.connectTimeoutMs,
      timeoutMs: engine.timeoutMs,
      connectRate: engine.connectRate,
      forceDns: engine.forceDns,
      tls: engine.tls,
      resolver,
      requireHttp2: engine.http === 2,
      onConnect: (address, protocol) => {
        stats.add(Slot.ConnectionsOpened)
        stats.protocols[protocol] = (stats.protocols[protocol] ?? 0) + 1
        if (log.isLevelEnabled('debug')) log.debug({ address, protocol, origin: p?.origin.origin }, 'connected')
      }
    })
    pools.set(origin, p)
  }
  return p
}

function perAddress (): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of pools.values()) {
    for (const [addr, n] of p.requestsByAddress) out[addr] = (out[addr] ?? 0) + n
  }
  return out
}

const ctx: WorkerContext = {
  job: init.workload.job,
  stats,
  poolFor,
  post: (data) => { post({ type: 'workload', data }) },
  log
}
let source: WorkerSource
let loop: Loop | null = null

try {
  const workload = await import(init.workload.module) as WorkloadModule
  source = await workload.createSource(ctx)
} catch (err) {
  post({ type: 'fatal', error: serializeError(err) })
  port.close()
  throw err
}

const flushTimer = setInterval(() => {
  stats.set(Slot.InFlight, loop?.inflight ?? 0)
  stats.add(Slot.Heartbeat)
  stats.flush()
}, FLUSH_INTERVAL_MS)
const snapshotTimer = setInterval(() => { post({ type: 'snapshot', snapshot: stats.snapshot(perAddress()), interval: stats.interval() }) }, SNAPSHOT_INTERVAL_MS)
flushTimer.unref()
snapshotTimer.unref()

/** Fails everything of this worker's that is in flight or queued, written or not (hard deadline). */
function abortQueued (err: Error): void {
  for (const p of pools.values()) p.abortQueued(err)
}

async function waitDone (l: Loop, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([l.done, new Promise((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}

// After a hard abort the outcomes come from undici's callbacks within a few turns; this only bounds it.
const ABORT_SETTLE_MS = 1000

async function finish (graceMs: number): Promise<void> {
  if (loop !== null) {
    await waitDone(loop, graceMs)
    if (loop.inflight > 0) {
      // Grace is over: abort inside undici so every line still held gets its outcome (not-attempted if it
      // was never written, indeterminate if it was), instead of being lost with the thread (#11).
      loop.abortAll(new NotifySenderError(`aborted after the grace period (--grace ${graceMs} ms)`, 'NS_ERR_DEADLINE'))
      await waitDone(loop, ABORT_SETTLE_MS)
    }
  }
  await Promise.allSettled([...pools.values()].map(async (p) => { await p.close(Math.min(graceMs, 1000)) }))
  source.finish?.()
  clearInterval(flushTimer)
  clearInterval(snapshotTimer)
  stats.set(Slot.InFlight, 0)
  stats.flush()
  if (!postedDone) {
    postedDone = true
    post({ type: 'done', snapshot: stats.snapshot(perAddress()), interval: stats.interval() })
  }
  port.close()
}

let failed = false
function failRun (err: Error): void {
  if (failed) return
  failed = true
  post({ type: 'fatal', error: serializeError(err) })
  // Defer: this runs inside the loop's error handling, and aborting re-enters it.
  setImmediate(() => { loop?.abortAll(err) })
}

function startLoop (epochMs: number): void {
  const t0 = epochMs - performance.timeOrigin
  const schedule = runSchedule(engine)
  const share = (total: number | undefined): number | undefined => total === undefined
    ? undefined
    : Math.floor(total / init.workers) + (init.workerIndex < total % init.workers ? 1 : 0)
  const budget = share(engine.requests)
  loop = new Loop(source, {
    concurrency,
    schedule,
    workerIndex: init.workerIndex,
    workers: init.workers,
    rampUpMs: schedule === undefined ? engine.rampUpMs : 0,
    t0,
    durationMs: engine.durationMs,
    budget: budget === undefined ? undefined : Math.max(0, budget - (init.resumeStarted ?? 0)),
    timeoutMs: engine.timeoutMs,
    maxResponseBytes: engine.maxResponseBytes,
    statusDecides: source.statusDecides,
    graceMs: engine.graceMs,
    abortQueued,
    onFatal: source.settlesMismatch ? undefined : failRun
  }, stats)
  if (init.crashAfter !== undefined) {
    const limit = init.crashAfter
    const timer = setInterval(() => {
      if ((stats.counters[Slot.Completed] as number) >= limit) {
        clearInterval(timer)
        throw new Error(`test hook: worker ${init.workerIndex} crashing after ${limit} completed requests`)
      }
    }, 5)
  }
  loop.start()
  void loop.done.then(async () => { await finish(0) })
}

// An unexpected exception kills this thread. Before it goes, hand over the outcomes already known so the
// supervisor re-queues only the lines that really are unsettled (fewer duplicate deliveries).
process.on('uncaughtException', (err) => {
  try {
    source.finish?.()
    post({ type: 'crashing', error: serializeError(err) })
  } finally {
    // In a worker thread this ends the thread only; the supervisor sees the exit and restarts it.
    // eslint-disable-next-line n/no-process-exit
    process.exit(1)
  }
})

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'start':
      if (!stopped) startLoop(msg.epochMs)
      break
    case 'workload':
      source.onMessage?.(msg.data)
      break
    case 'stop':
      stopped = true
      source.stop?.()
      loop?.stopScheduling()
      void finish(msg.graceMs)
      break
  }
})

post({ type: 'ready' })
