// `demo`: the whole product on loopback. Starts the push-service simulator, writes matching
// subscriptions and a VAPID key file, sends to them, then checks the sender's outcomes against what
// the simulator decrypted and verified.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startSimulator } from '../sim/simulator.js'
import type { Simulator, SimulatorStats } from '../sim/simulator.js'
import { formatVapidKeysJson, generateVapidKeys } from '../webpush/keys.js'
import { resolveSend } from './send.js'
import { faultsFromOptions } from './simulate.js'
import type { ResolvedSend } from './send.js'
import type { RawOptions } from '../config/resolve.js'
import { DEFAULTS } from '../defaults.js'
import type { Report } from '../report/report.js'
import { InvalidOptionError } from '../errors.js'

/** A prepared demo: the running simulator and the send to run against it. */
export interface Demo {
  simulator: Simulator
  send: ResolvedSend
  outDir: string
}

/** Starts the simulator and resolves a send against it (files go to `--out`, default demo-out/<time>). */
export async function prepareDemo (raw: RawOptions, workers: string | undefined): Promise<Demo> {
  const count = raw.subscriptionCount ?? DEFAULTS.demo.subscriptionCount
  const outDir = resolve(raw.out ?? join(DEFAULTS.demo.outParent, new Date().toISOString().replace(/[:.]/g, '-')))
  try {
    mkdirSync(outDir, { recursive: true })
  } catch (err) {
    throw new InvalidOptionError(`--out: cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const simulator = await startSimulator({
    subscriptions: count,
    slowMs: DEFAULTS.demo.slowMs,
    faults: faultsFromOptions(raw)
  })
  try {
    const caPath = join(outDir, 'simulator-ca.pem')
    const subsPath = join(outDir, 'subscriptions.ndjson')
    const keysPath = join(outDir, 'vapid.json')
    writeFileSync(caPath, simulator.ca)
    writeFileSync(keysPath, formatVapidKeysJson({ ...generateVapidKeys(), subject: 'mailto:demo@example.com' }), { mode: 0o600 })
    // Every tenth subscription carries its own payload, to show per-line personalisation.
    await simulator.writeSubscriptions(subsPath, count, { payloadEvery: 10 })
    const sendRaw: RawOptions = {
      ...raw,
      http: raw.http ?? 2,
      payload: raw.payload ?? DEFAULTS.demo.payload,
      subscriptions: subsPath,
      vapidKeys: keysPath,
      ca: caPath,
      allowHost: [new URL(simulator.origin).host],
      allowPrivate: true,
      out: outDir
    }
    const send = await resolveSend(sendRaw, workers ?? DEFAULTS.demo.workers, undefined)
    return { simulator, send, outDir }
  } catch (err) {
    await simulator.close()
    throw err
  }
}

/** Whether what the sender reports matches what the simulator received. */
export interface DemoCheck {
  consistent: boolean
  summary: string
  simulator: SimulatorStats
}

/** Compares the sender's outcomes with the simulator's own accounting. */
export function checkDemo (report: Report, sim: SimulatorStats): DemoCheck {
  const o = report.outcomes
  const distinct = sim.deliveredOnce + sim.deliveredMoreThanOnce
  const sent = o?.sent ?? 0
  const consistent = o !== undefined && distinct === sent && sim.rejected.expired >= (o.expired > 0 ? 1 : 0) && sim.rejected.badJwt === 0 && sim.rejected.decryptFailed === 0
  const summary = `simulator: ${sim.delivered} messages verified and decrypted for ${distinct} subscriptions` +
    `${sim.duplicates > 0 ? ` (${sim.duplicates} duplicates)` : ''}, ${sim.rejected.expired} answered 410, ${sim.vapidVerifications} VAPID signatures checked; ` +
    `sender: sent ${sent}, expired ${o?.expired ?? 0}, failed ${o?.failed ?? 0}, invalid ${o?.invalid ?? 0} → ${consistent ? 'consistent' : 'MISMATCH'}`
  return { consistent, summary, simulator: sim }
}
