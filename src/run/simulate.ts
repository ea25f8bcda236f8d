// `simulate`: the push-service simulator as a standalone process, with a persistent identity (seed and
// certificate) and a subscriptions file for `notify-sender send` to use.
import { join, resolve } from 'node:path'
import { startSimulator } from '../sim/simulator.js'
import type { FaultRatios, Simulator } from '../sim/simulator.js'
import type { RawOptions } from '../config/resolve.js'
import { DEFAULTS } from '../defaults.js'
import { loadOrCreateIdentity } from '../sim/identity.js'

/** A running standalone simulator and the files a sender needs. */
export interface StandaloneSimulator {
  simulator: Simulator
  caPath: string
  subscriptionsPath: string
  count: number
}

/** The simulator's fault ratios from the --fault-* options (shared by `simulate` and `demo`). */
export function faultsFromOptions (raw: RawOptions): FaultRatios {
  return {
    expired: raw.fault410 ?? 0,
    throttle: raw.fault429 ?? 0,
    serverError: raw.fault500 ?? 0,
    slow: raw.faultSlow ?? 0,
    reset: raw.faultReset ?? 0,
    goaway: raw.faultGoaway ?? 0
  }
}

/** Starts the simulator from `simulate` options and writes its subscriptions file. */
export async function startStandaloneSimulator (raw: RawOptions): Promise<StandaloneSimulator> {
  const stateDir = resolve(raw.stateDir ?? DEFAULTS.stateDir)
  const identity = loadOrCreateIdentity(stateDir)
  const count = raw.subscriptionCount ?? DEFAULTS.simulate.subscriptionCount
  const simulator = await startSimulator({
    host: raw.host ?? DEFAULTS.host,
    port: raw.port ?? DEFAULTS.port,
    seed: identity.seed,
    cert: { cert: identity.cert, key: identity.key },
    subscriptions: count,
    retryAfterSeconds: raw.retryAfter ?? DEFAULTS.retryAfter,
    slowMs: raw.slowMs ?? DEFAULTS.slowMs,
    faults: faultsFromOptions(raw)
  })
  const subscriptionsPath = resolve(raw.subscriptionsOut ?? join(stateDir, DEFAULTS.simulate.subscriptionsFile))
  try {
    await simulator.writeSubscriptions(subscriptionsPath, count)
  } catch (err) {
    await simulator.close()
    throw err
  }
  return { simulator, caPath: identity.certPath, subscriptionsPath, count }
}
